extension String {
    /// The text with every control character written out (`\n`, `\r`, `\t`, `\u{1b}`, …), as every line
    /// Ferry prints for a person or a log shows text it did not write itself (AWS error messages, actors,
    /// identifiers): a newline cannot forge a log line or a table row, an escape sequence cannot reach the
    /// terminal. Control characters are Unicode's Cc (C0, DEL, C1) and the invisible bidirectional overrides.
    public var escapingControlCharacters: String {
        guard unicodeScalars.contains(where: Self.needsEscape) else { return self }
        var escaped = ""
        for scalar in unicodeScalars {
            switch scalar {
            case "\n": escaped += "\\n"
            case "\r": escaped += "\\r"
            case "\t": escaped += "\\t"
            case _ where Self.needsEscape(scalar): escaped += "\\u{\(String(scalar.value, radix: 16))}"
            default: escaped.unicodeScalars.append(scalar)
            }
        }
        return escaped
    }

    private static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.generalCategory == .control || (0x202A...0x202E).contains(scalar.value) || (0x2066...0x2069).contains(scalar.value)
    }

    /// Whether the text is free of control characters (see `escapingControlCharacters`).
    public var hasNoControlCharacters: Bool { !unicodeScalars.contains(where: Self.needsEscape) }
}
