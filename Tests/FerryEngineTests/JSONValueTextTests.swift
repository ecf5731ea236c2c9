import FerryEngine
import Foundation
import Testing

struct JSONValueTextTests {
    @Test func writesCompactTextWithSortedKeys() {
        let value: JSONValue = ["b": [1, 2.5, true, .null], "a": "x\"y\\z\n\u{1}/é", "c": [:], "d": 1e20, "e": -0.000_1]
        #expect(value.jsonText == #"{"a":"x\"y\\z\n\u0001/é","b":[1,2.5,true,null],"c":{},"d":1e+20,"e":-0.0001}"#)
        #expect(JSONValue.number(.nan).jsonText == "null")
    }

    @Test func textRoundTrips() throws {
        let value: JSONValue = [
            "steps": 5, "name": "tick \u{1F680} \t", "nested": ["list": [[], [:], "", -12.75, false]], "none": .null,
        ]
        #expect(try JSONValue(parsing: value.jsonText) == value)
        #expect(try JSONValue(parsing: " { \"a\" : [ 1 , 2 ] , \"b\" : \"\\u00e9\\ud83d\\ude80\\/\" } ") == ["a": [1, 2], "b": "é\u{1F680}/"])
        #expect(try JSONValue(parsing: "-0.5e2") == -50)
    }

    @Test(arguments: [
        "", "{", "[1,]", "{\"a\":1,}", "01", "1.", "-", "+1", ".5", "1e", "tru", "nulls", "\"abc", "\"\u{1}\"",
        "\"\\x\"", "\"\\u12\"", "\"\\u+123\"", "\"\\ud800\"", "\"\\udc00\"", "{1:2}", "[1 2]", "1 2", "NaN", "1e999",
    ])
    func refusesMalformedText(_ text: String) {
        #expect(throws: JSONValueError.self) { try JSONValue(parsing: text) }
    }

    @Test func refusesNestingDeeperThan512() throws {
        #expect(try JSONValue(parsing: String(repeating: "[", count: 512) + String(repeating: "]", count: 512)) != .null)
        #expect(throws: JSONValueError.self) {
            try JSONValue(parsing: String(repeating: "[", count: 513) + String(repeating: "]", count: 513))
        }
    }
}
