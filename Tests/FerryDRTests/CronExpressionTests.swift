import Testing
@testable import FerryDR

@Suite struct CronExpressionTests {
    @Test(arguments: [
        ("61 * * * *", CronField.minute, "minute must be 0-59"),
        ("* 24 * * *", .hour, "hour must be 0-23"),
        ("* * 0 * *", .dayOfMonth, "day-of-month must be 1-31"),
        ("* * * 13 *", .month, "month must be 1-12"),
        ("* * * * 8", .dayOfWeek, "day-of-week must be 0-7"),
        ("*/0 * * * *", .minute, "minute step \"0\" must be a positive number"),
        ("5-1 * * * *", .minute, "minute range 5-1 goes backwards"),
        ("* * * foo *", .month, "month \"foo\" is not a number or a name like jan"),
        ("* * * * funday", .dayOfWeek, "day-of-week \"funday\" is not a number or a name like sun"),
        ("1,,2 * * * *", .minute, "minute has an empty list item"),
        ("1/2/3 * * * *", .minute, "minute item \"1/2/3\" has more than one step"),
        ("0 0 30 2 *", .dayOfMonth, "day-of-month never occurs in the chosen months (such as 30 February)"),
    ])
    func fieldErrorsNameTheField(text: String, field: CronField, message: String) {
        #expect(throws: CronError(field, message)) { try CronExpression(parsing: text) }
    }

    @Test(arguments: [
        ("* * * *", "expected 5 fields (minute hour day-of-month month day-of-week), found 4"),
        ("0 0 * * * 2026", "expected 5 fields (minute hour day-of-month month day-of-week), found 6"),
        ("@reboot", "unknown macro @reboot (expected @hourly, @daily, @weekly, @monthly or @yearly)"),
    ])
    func shapeErrors(text: String, message: String) {
        #expect(throws: CronError(nil, message)) { try CronExpression(parsing: text) }
    }

    @Test(arguments: [
        ("5/20 * * * *", [5, 25, 45], Array(0...23)),
        ("1-10/3 */6 * * *", [1, 4, 7, 10], [0, 6, 12, 18]),
        ("0,30 9-11 * * *", [0, 30], [9, 10, 11]),
        ("@hourly", [0], Array(0...23)),
        ("@daily", [0], [0]),
    ])
    func minutesAndHours(text: String, minutes: [Int], hours: [Int]) throws {
        let expression = try CronExpression(parsing: text)
        #expect(expression.minutes == minutes)
        #expect(expression.hours == hours)
    }

    /// Days of November 2026 (the 1st is a Sunday) each expression fires on.
    @Test(arguments: [
        ("0 0 * * mon-fri", [2, 3, 4, 5, 6, 9, 10, 11, 12, 13, 16, 17, 18, 19, 20, 23, 24, 25, 26, 27, 30]),
        ("0 0 * * 0", [1, 8, 15, 22, 29]),
        ("0 0 * * 7", [1, 8, 15, 22, 29]),
        ("0 0 * * SUN", [1, 8, 15, 22, 29]),
        // Both restricted: either matches (Vixie).
        ("0 0 13 * fri", [6, 13, 20, 27]),
        ("0 0 1,15 * sat", [1, 7, 14, 15, 21, 28]),
        // Day-of-month starts with `*`: both must match.
        ("0 0 */10 * wed", [11]),
        ("0 0 1 nov *", [1]),
        ("0 0 1 dec *", []),
        ("@weekly", [1, 8, 15, 22, 29]),
        ("@monthly", [1]),
    ])
    func daysFollowTheVixieRule(text: String, days: [Int]) throws {
        let expression = try CronExpression(parsing: text)
        let matching = (1...30).filter { expression.matches(CivilDay(year: 2026, month: 11, day: $0)) }
        #expect(matching == days)
    }

    @Test func civilDaysRoundTrip() {
        for number in stride(from: -800_000, through: 800_000, by: 997) {
            let day = CivilDay(number: number)
            let (year, month, dayOfMonth) = day.components
            #expect(CivilDay(year: year, month: month, day: dayOfMonth) == day)
        }
        #expect(CivilDay(year: 1970, month: 1, day: 1).number == 0)
        #expect(CivilDay(year: 2026, month: 11, day: 25).weekday == 3)
        #expect(CivilDay(year: 1969, month: 12, day: 28).weekday == 0)
    }
}
