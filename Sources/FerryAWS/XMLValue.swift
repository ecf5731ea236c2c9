import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// A parsed XML element: name (without namespace prefix), text, children. Query-API responses are decoded
/// from this tree; every accessor that must find something throws `AWSError.malformedResponse` naming
/// what was missing, so a surprising response is an error, never a crash.
struct XMLValue: Sendable {
    let name: String
    var text: String
    var children: [XMLValue]

    /// The deepest nesting a response may have: AWS's deepest documents are about ten levels.
    static let maximumDepth = 64
    /// The largest document parsed: a page of 100 snapshots is a few hundred kilobytes.
    static let maximumBytes = 8 << 20

    /// Parses `bytes` without recursing on their depth; a document deeper than `maximumDepth` or larger
    /// than `maximumBytes` is refused as malformed before any of it becomes a tree.
    static func parse(_ bytes: [UInt8]) throws -> XMLValue {
        guard bytes.count <= maximumBytes else {
            throw AWSError.malformed("response is larger than \(maximumBytes >> 20) MiB (\(bytes.count) bytes)")
        }
        let builder = TreeBuilder()
        let parser = XMLParser(data: Data(bytes))
        parser.delegate = builder
        let parsed = parser.parse()
        if builder.tooDeep {
            throw AWSError.malformed("response nests XML elements deeper than \(maximumDepth) levels (\(bytes.count) bytes)")
        }
        guard parsed, let root = builder.root else {
            let reason = parser.parserError.map { "\($0.localizedDescription)" } ?? "no root element"
            throw AWSError.malformed("response is not well-formed XML (\(reason), \(bytes.count) bytes)")
        }
        return root
    }

    func child(_ name: String) -> XMLValue? { children.first { $0.name == name } }

    func children(_ name: String) -> [XMLValue] { children.filter { $0.name == name } }

    func requiredChild(_ name: String) throws -> XMLValue {
        guard let found = child(name) else { throw AWSError.malformed("<\(self.name)> has no <\(name)>") }
        return found
    }

    /// The list `<Outer><Member/>...</Outer>`, empty if `<Outer>` is absent.
    func list(_ outer: String, member: String) -> [XMLValue] { child(outer)?.children(member) ?? [] }

    func string(_ name: String) -> String? { child(name)?.text }

    func requiredString(_ name: String) throws -> String {
        guard let value = try requiredChild(name).text.nonEmpty else { throw AWSError.malformed("<\(self.name)><\(name)> is empty") }
        return value
    }

    func int(_ name: String) throws -> Int? {
        guard let text = string(name), !text.isEmpty else { return nil }
        guard let value = Int(text) else { throw AWSError.malformed("<\(self.name)><\(name)> is not an integer: \(text.prefix(40))") }
        return value
    }

    func double(_ name: String) throws -> Double? {
        guard let text = string(name), !text.isEmpty else { return nil }
        guard let value = Double(text), value.isFinite else {
            throw AWSError.malformed("<\(self.name)><\(name)> is not a number: \(text.prefix(40))")
        }
        return value
    }

    func bool(_ name: String) throws -> Bool? {
        switch string(name)?.lowercased() {
        case nil, "": return nil
        case "true": return true
        case "false": return false
        case let other?: throw AWSError.malformed("<\(self.name)><\(name)> is not a boolean: \(other.prefix(40))")
        }
    }

    func date(_ name: String) throws -> Date? {
        guard let text = string(name), !text.isEmpty else { return nil }
        guard let date = Timestamp.parse(text) else { throw AWSError.malformed("<\(self.name)><\(name)> is not a timestamp: \(text.prefix(40))") }
        return date
    }

    /// `<TagList><Tag><Key/><Value/></Tag>...</TagList>` as a dictionary.
    func tags(_ name: String = "TagList") throws -> [String: String] {
        var tags: [String: String] = [:]
        for tag in list(name, member: "Tag") {
            tags[try tag.requiredString("Key")] = tag.string("Value") ?? ""
        }
        return tags
    }

    private final class TreeBuilder: NSObject, XMLParserDelegate {
        var stack: [XMLValue] = []
        var root: XMLValue?
        var tooDeep = false

        func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                    qualifiedName: String?, attributes: [String: String] = [:]) {
            guard stack.count < XMLValue.maximumDepth else {
                // Stop here: the tree stays shallow, so neither building nor freeing it recurses deeply.
                tooDeep = true
                parser.abortParsing()
                return
            }
            let local = elementName.split(separator: ":").last.map(String.init) ?? elementName
            stack.append(XMLValue(name: local, text: "", children: []))
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            guard !stack.isEmpty, !tooDeep else { return }
            stack[stack.count - 1].text += string
        }

        func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
            guard !tooDeep, var finished = stack.popLast() else { return }
            if !finished.children.isEmpty { finished.text = finished.text.trimmingCharacters(in: .whitespacesAndNewlines) }
            if stack.isEmpty { root = finished } else { stack[stack.count - 1].children.append(finished) }
        }
    }
}

extension String {
    var nonEmpty: String? { isEmpty ? nil : self }
}

/// ISO 8601 timestamps as AWS and moto write them: `2026-11-25T13:20:46Z`, `...46.478Z`, `...46.478000+00:00`.
enum Timestamp {
    static func parse(_ text: String) -> Date? {
        let bytes = Array(text.utf8)
        func number(_ range: Range<Int>) -> Int? {
            guard range.upperBound <= bytes.count else { return nil }
            var value = 0
            for byte in bytes[range] {
                guard byte >= 48 && byte <= 57 else { return nil }
                value = value * 10 + Int(byte - 48)
            }
            return value
        }
        guard bytes.count >= 19, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
              bytes[10] == UInt8(ascii: "T") || bytes[10] == UInt8(ascii: " "),
              let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
              let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19)
        else { return nil }
        var index = 19
        var fraction = 0.0
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            var scale = 0.1
            index += 1
            while index < bytes.count, bytes[index] >= 48, bytes[index] <= 57 {
                fraction += Double(bytes[index] - 48) * scale
                scale /= 10
                index += 1
            }
        }
        var offset = 0
        if index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "Z"), UInt8(ascii: "z"): index += 1
            case UInt8(ascii: "+"), UInt8(ascii: "-"):
                guard let hours = number(index + 1..<index + 3), let minutes = number(index + 4..<index + 6) else { return nil }
                offset = (hours * 3600 + minutes * 60) * (bytes[index] == UInt8(ascii: "+") ? 1 : -1)
                index += 6
            default: return nil
            }
        }
        guard index == bytes.count, (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61
        else { return nil }
        // Days from the civil date (Howard Hinnant's algorithm), so no calendar or formatter is involved.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        let days = era * 146_097 + dayOfEra - 719_468
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset
        return Date(timeIntervalSince1970: Double(seconds) + fraction)
    }
}
