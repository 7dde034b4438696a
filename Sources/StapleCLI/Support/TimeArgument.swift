import ArgumentParser
import Foundation

/// A point in time given on the command line: unix seconds (`1735689600`) or ISO 8601
/// (`2025-01-01T00:00:00Z`, `2025-01-01`).
struct TimeArgument: ExpressibleByArgument, Sendable {
    var date: Date

    init?(argument: String) {
        if let seconds = Double(argument) {
            date = Date(timeIntervalSince1970: seconds)
            return
        }
        let formatter = ISO8601DateFormatter()
        for options: ISO8601DateFormatter.Options in [
            [.withInternetDateTime], [.withInternetDateTime, .withFractionalSeconds], [.withFullDate],
        ] {
            formatter.formatOptions = options
            if let parsed = formatter.date(from: argument) {
                date = parsed
                return
            }
        }
        return nil
    }

    static var defaultValueDescription: String { "now" }
}
