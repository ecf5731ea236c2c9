import Foundation
#if canImport(FoundationXML)
import FoundationXML
import FerryPrimitives
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
        guard let date = ISO8601.parse(text) else { throw AWSError.malformed("<\(self.name)><\(name)> is not a timestamp: \(text.prefix(40))") }
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

