import Crypto
import Foundation
import NIOCore

/// A signed OCSP response ready to send: its bytes and the RFC 5019 §6 header values derived from them.
package struct SignedAnswer: Sendable, Hashable {
    /// The DER of the OCSPResponse.
    package let body: ByteBuffer
    package let thisUpdate: Date
    package let nextUpdate: Date
    /// A strong validator: the quoted, hex SHA-256 of the body, truncated to 128 bits.
    package let etag: String
    /// `thisUpdate` as an IMF-fixdate.
    package let lastModified: String
    /// `nextUpdate` as an IMF-fixdate.
    package let expires: String

    package init(der: [UInt8], thisUpdate: Date, nextUpdate: Date) {
        self.body = ByteBuffer(bytes: der)
        self.thisUpdate = thisUpdate
        self.nextUpdate = nextUpdate
        self.etag = "\"" + SHA256.hash(data: der).prefix(16).map { String(format: "%02x", $0) }.joined() + "\""
        self.lastModified = HTTPDate.format(thisUpdate)
        self.expires = HTTPDate.format(nextUpdate)
    }

    package var der: [UInt8] { Array(body.readableBytesView) }
}

/// HTTP dates (RFC 9110 §5.6.7): formats IMF-fixdate, parses IMF-fixdate only (what clients send back).
package enum HTTPDate {
    private static let days = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// `Sun, 06 Nov 1994 08:49:37 GMT`.
    package static func format(_ date: Date) -> String {
        let seconds = Int(date.timeIntervalSince1970.rounded(.down))
        let dayNumber = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - dayNumber * 86_400
        let (year, month, day) = civil(fromDays: dayNumber)
        let weekday = days[((dayNumber % 7) + 7) % 7]
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return
            "\(weekday), \(two(day)) \(months[month - 1]) \(year) \(two(secondOfDay / 3600)):\(two(secondOfDay / 60 % 60)):\(two(secondOfDay % 60)) GMT"
    }

    /// The date of an IMF-fixdate, or nil.
    package static func parse(_ text: String) -> Date? {
        let parts = text.split(separator: " ")
        guard parts.count == 6, parts[5] == "GMT", let day = Int(parts[1]),
            let monthIndex = months.firstIndex(where: { $0 == parts[2] }), let year = Int(parts[3])
        else { return nil }
        let clock = parts[4].split(separator: ":").compactMap { Int($0) }
        guard clock.count == 3, (1...31).contains(day), clock[0] < 24, clock[1] < 60, clock[2] < 61 else { return nil }
        let days = daysFromCivil(year: year, month: monthIndex + 1, day: day)
        return Date(timeIntervalSince1970: TimeInterval(days * 86_400 + clock[0] * 3600 + clock[1] * 60 + clock[2]))
    }

    // Howard Hinnant's civil calendar algorithms (proleptic Gregorian, days since 1970-01-01).
    private static func civil(fromDays z: Int) -> (Int, Int, Int) {
        let z = z + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    private static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = month > 2 ? month - 3 : month + 9
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }
}
