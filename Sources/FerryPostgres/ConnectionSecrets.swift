import CLibPQ
import Foundation

/// The passwords a libpq connection string carries, found so that no message Ferry prints contains one.
///
/// libpq quotes parts of a connection string it cannot parse, and sometimes all of it: a bad `%zz` escape
/// quotes the token holding it, an unclosed `[` quotes the whole URI. So every message about a connection
/// is passed through `redact(_:)`, which replaces each password (as written, and as libpq decodes it) and
/// every quoted fragment of a message that is part of one. Malformed strings are read leniently: a
/// password is whatever could be one.
struct ConnectionSecrets: Sendable {
    /// Longest first, so that a password containing another candidate is replaced whole.
    let candidates: [String]

    init(_ conninfo: String) {
        var found = Set<String>()
        func add(_ value: Substring?) {
            guard let value, !value.isEmpty else { return }
            found.insert(String(value))
            if let decoded = lenientPercentDecoded(value), !decoded.isEmpty { found.insert(decoded) }
        }
        for value in Self.uriPasswords(conninfo) { add(value) }
        // libpq reads a string as a URI only when it starts as one; a query's `&password=` is no keyword.
        if !(conninfo.hasPrefix("postgresql://") || conninfo.hasPrefix("postgres://")) {
            for value in Self.keywordPasswords(conninfo) { add(value) }
        }
        if let parsed = Self.parsedPassword(conninfo) { add(Substring(parsed)) }
        candidates = found.sorted { $0.count > $1.count }
    }

    /// `message` with every password, and every quoted fragment that is part of one, replaced by `***`.
    func redact(_ message: String) -> String {
        guard !candidates.isEmpty else { return redactedConnectionString(message) }
        var text = message
        for candidate in candidates {
            text = text.replacingOccurrences(of: candidate, with: "***")
        }
        // A fragment libpq quotes may be a piece of a password (a port or host cut out of a URI whose
        // password holds an unescaped `/` or `@`).
        var result = ""
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "\"") {
            result += rest[...open]
            let afterOpen = rest.index(after: open)
            guard let close = rest[afterOpen...].firstIndex(of: "\"") else {
                rest = rest[afterOpen...]
                break
            }
            let fragment = rest[afterOpen..<close]
            let isSecret = !fragment.isEmpty && candidates.contains { $0.contains(fragment) }
            result += isSecret ? "***" : String(fragment)
            result += "\""
            rest = rest[rest.index(after: close)...]
        }
        result += rest
        return redactedConnectionString(result)
    }

    /// `user:password@` in a URI: up to the first `@` or `/` (as libpq reads it) and up to the last `@`
    /// (as a person who forgot to escape one meant it); and `password=` query parameters.
    private static func uriPasswords(_ conninfo: String) -> [Substring] {
        var passwords: [Substring] = []
        for prefix in ["postgresql://", "postgres://"] {
            guard let range = conninfo.range(of: prefix) else { continue }
            let rest = conninfo[range.upperBound...]
            var userinfos: [Substring] = []
            if let end = rest.firstIndex(where: { $0 == "@" || $0 == "/" }), rest[end] == "@" {
                userinfos.append(rest[..<end])
            }
            if let last = rest.lastIndex(of: "@") { userinfos.append(rest[..<last]) }
            for userinfo in userinfos {
                if let colon = userinfo.firstIndex(of: ":") { passwords.append(userinfo[userinfo.index(after: colon)...]) }
            }
        }
        var rest = Substring(conninfo)
        while let range = rest.range(of: "password=", options: .caseInsensitive) {
            let valueStart = range.upperBound
            let valueEnd = rest[valueStart...].firstIndex { $0 == "&" || $0 == "#" } ?? rest.endIndex
            let before = range.lowerBound > rest.startIndex ? rest[rest.index(before: range.lowerBound)] : nil
            if before == "?" || before == "&" { passwords.append(rest[valueStart..<valueEnd]) }
            rest = rest[valueStart...]
        }
        return passwords
    }

    /// `password = value` in a keyword/value string: quoted (with `\` escapes, closed or not) or bare.
    private static func keywordPasswords(_ conninfo: String) -> [Substring] {
        var passwords: [Substring] = []
        var rest = Substring(conninfo)
        while let range = rest.range(of: "password", options: .caseInsensitive) {
            var index = range.upperBound
            while index < rest.endIndex, rest[index].isWhitespace { index = rest.index(after: index) }
            guard index < rest.endIndex, rest[index] == "=" else {
                rest = rest[range.upperBound...]
                continue
            }
            index = rest.index(after: index)
            while index < rest.endIndex, rest[index].isWhitespace { index = rest.index(after: index) }
            if index < rest.endIndex, rest[index] == "'" {
                let valueStart = rest.index(after: index)
                var end = valueStart
                var unescaped = ""
                while end < rest.endIndex, rest[end] != "'" {
                    if rest[end] == "\\", rest.index(after: end) < rest.endIndex { end = rest.index(after: end) }
                    unescaped.append(rest[end])
                    end = rest.index(after: end)
                }
                passwords.append(rest[valueStart..<end])
                passwords.append(Substring(unescaped))
                rest = rest[end...]
            } else {
                let end = rest[index...].firstIndex(where: \.isWhitespace) ?? rest.endIndex
                passwords.append(rest[index..<end])
                rest = rest[end...]
            }
        }
        return passwords
    }

    /// The password exactly as libpq will use it, when the string parses (the same way `PQconnectdbParams`
    /// expands its `dbname`: only a URI or a string with an `=` is a connection string).
    private static func parsedPassword(_ conninfo: String) -> String? {
        guard conninfo.hasPrefix("postgresql://") || conninfo.hasPrefix("postgres://") || conninfo.contains("=") else {
            return nil
        }
        var error: UnsafeMutablePointer<CChar>?
        guard let options = PQconninfoParse(conninfo, &error) else {
            PQfreemem(error)
            return nil
        }
        defer { PQconninfoFree(options) }
        var option = options
        while let keyword = option.pointee.keyword {
            if String(cString: keyword) == "password", let value = option.pointee.val { return String(cString: value) }
            option += 1
        }
        return nil
    }
}

/// `text` with its `%XX` escapes decoded, leaving any malformed one as it is; nil if it has none.
private func lenientPercentDecoded(_ text: Substring) -> String? {
    guard text.contains("%") else { return nil }
    var bytes: [UInt8] = []
    let utf8 = Array(text.utf8)
    var index = 0
    while index < utf8.count {
        if utf8[index] == UInt8(ascii: "%"), index + 2 < utf8.count,
           let high = hexValue(utf8[index + 1]), let low = hexValue(utf8[index + 2]) {
            bytes.append(high << 4 | low)
            index += 3
        } else {
            bytes.append(utf8[index])
            index += 1
        }
    }
    return String(decoding: bytes, as: UTF8.self)
}

private func hexValue(_ byte: UInt8) -> UInt8? {
    switch byte {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
    default: nil
    }
}

/// Removes the password from a libpq connection URI or keyword/value string, for logs and errors. Reads
/// malformed strings leniently: everything a password could be is removed.
public func redactedConnectionString(_ conninfo: String) -> String {
    conninfo
        .replacingOccurrences(of: #"(postgres(?:ql)?://[^:/@\s"]*):[^\s"]*@"#, with: "$1:***@", options: .regularExpression)
        .replacingOccurrences(of: #"(?i)password\s*=\s*('(?:[^'\\]|\\.)*'?|[^\s&#"]+)"#, with: "password=***", options: .regularExpression)
}
