import Foundation
import SwiftASN1

extension Date {
    /// The instant a GeneralizedTime names (always UTC in DER, RFC 5280 §4.1.2.5.2).
    public init(_ time: GeneralizedTime) {
        let days = Self.daysFromCivil(year: time.year, month: time.month, day: time.day)
        let seconds = days * 86_400 + time.hours * 3_600 + time.minutes * 60 + time.seconds
        self.init(timeIntervalSince1970: TimeInterval(seconds) + time.fractionalSeconds)
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    private static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}

extension GeneralizedTime {
    /// The GeneralizedTime for `date`, truncated to whole seconds as RFC 5280 §4.1.2.5.2 requires.
    public init(_ date: Date) throws {
        let seconds = Int(date.timeIntervalSince1970.rounded(.down))
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400
        let (year, month, day) = Self.civilFromDays(days)
        try self.init(
            year: year, month: month, day: day,
            hours: secondOfDay / 3_600, minutes: (secondOfDay % 3_600) / 60, seconds: secondOfDay % 60,
            fractionalSeconds: 0
        )
    }

    private static func civilFromDays(_ daysSinceEpoch: Int) -> (Int, Int, Int) {
        let z = daysSinceEpoch + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
