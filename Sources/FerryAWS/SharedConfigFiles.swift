import Foundation

/// `~/.aws/credentials` and `~/.aws/config` (or `AWS_SHARED_CREDENTIALS_FILE`, `AWS_CONFIG_FILE`), read
/// the way the SDKs read them: the profile from `AWS_PROFILE` (else `default`), `[name]` sections in the
/// credentials file, `[profile name]` (and `[default]`) in the config file, credentials-file values
/// winning over config-file values of the same profile.
struct SharedConfigFiles: Sendable {
    let credentialsPath: String
    let configPath: String
    let selectedProfile: String

    init(environment: [String: String]) {
        let home = environment["HOME"] ?? NSHomeDirectory()
        credentialsPath = Self.expand(environment["AWS_SHARED_CREDENTIALS_FILE"] ?? "~/.aws/credentials", home: home)
        configPath = Self.expand(environment["AWS_CONFIG_FILE"] ?? "~/.aws/config", home: home)
        selectedProfile = (environment["AWS_PROFILE"] ?? environment["AWS_DEFAULT_PROFILE"])?.nonEmpty ?? "default"
    }

    /// The settings of `name` (keys lower-cased), empty if neither file has it; throws if a file exists but
    /// cannot be read.
    func profile(_ name: String) throws -> [String: String] {
        let config = try Self.sections(atPath: configPath)
        let credentials = try Self.sections(atPath: credentialsPath)
        var merged = (name == "default" ? config["default"] ?? config["profile default"] : config["profile \(name)"]) ?? [:]
        merged.merge(credentials[name] ?? [:]) { $1 }
        return merged
    }

    /// A missing file, and `/dev/null` (the usual way to switch the files off), have no sections.
    static func sections(atPath path: String) throws -> [String: [String: String]] {
        guard path != "/dev/null", FileManager.default.fileExists(atPath: path) else { return [:] }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw AWSError.credentials("cannot read AWS shared file \(path)")
        }
        defer { try? handle.close() }
        let data: Data
        do {
            data = try handle.readToEnd() ?? Data()
        } catch {
            throw AWSError.credentials("cannot read AWS shared file \(path)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw AWSError.credentials("AWS shared file \(path) is not UTF-8 text")
        }
        return parse(text)
    }

    /// INI as the SDKs accept it: `#`/`;` comments, `key = value`, indented lines (nested settings such as
    /// `s3 =` blocks) ignored, section names trimmed.
    static func parse(_ text: String) -> [String: [String: String]] {
        var sections: [String: [String: String]] = [:]
        var current: String?
        for rawLine in text.split(whereSeparator: \.isNewline) {
            let isIndented = rawLine.first == " " || rawLine.first == "\t"
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("[") {
                guard let close = line.firstIndex(of: "]") else { current = nil; continue }
                let name = line[line.index(after: line.startIndex)..<close].split(whereSeparator: \.isWhitespace).joined(separator: " ")
                current = name
                sections[name, default: [:]] = sections[name] ?? [:]
                continue
            }
            guard !isIndented, let current, let equals = line.firstIndex(of: "=") else { continue }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
            var value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            if let comment = value.range(of: " #") ?? value.range(of: " ;") { value = value[..<comment.lowerBound].trimmingCharacters(in: .whitespaces) }
            if !key.isEmpty { sections[current]![key] = value }
        }
        return sections
    }

    static func expand(_ path: String, home: String) -> String {
        path.hasPrefix("~/") ? home + path.dropFirst(1) : path
    }
}
