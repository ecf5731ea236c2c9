import Foundation

/// `2026-11-25T13:00Z` or `2026-11-25T13:00:30Z` as a `Date`.
func utc(_ text: String) -> Date {
    let withSeconds = text.count == "2026-11-25T13:00Z".count ? text.dropLast() + ":00Z" : Substring(text)
    guard let date = try? Date(String(withSeconds), strategy: .iso8601) else {
        preconditionFailure("bad test date \(text)")
    }
    return date
}
