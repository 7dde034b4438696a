import Foundation

/// Durations as the configuration writes them: plain seconds (`90`, `1.5`) or a number with a unit
/// (`30s`, `15m`, `2h`, `1d`).
enum DurationValue {
    private static let units: [(suffix: Character, seconds: TimeInterval)] = [
        ("s", 1), ("m", 60), ("h", 3_600), ("d", 86_400),
    ]

    /// The seconds `text` stands for; nil when it is not a positive, finite duration.
    static func seconds(_ text: String) -> TimeInterval? {
        var number = Substring(text.trimmingCharacters(in: .whitespaces))
        var factor: TimeInterval = 1
        if let last = number.last, let unit = units.first(where: { $0.suffix == last }) {
            factor = unit.seconds
            number = number.dropLast()
        }
        // Digits and at most one dot only: no signs, exponents, "inf" or "nan".
        guard !number.isEmpty, number.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }),
            number.filter({ $0 == "." }).count <= 1, let value = Double(number)
        else { return nil }
        let seconds = value * factor
        guard seconds > 0, seconds.isFinite else { return nil }
        return seconds
    }

    /// `seconds` in the largest unit that writes it exactly (`1d`, `15m`, `90s`), or as plain
    /// seconds when it is not a whole number; ``seconds(_:)`` reads it back to the same value.
    static func text(_ seconds: TimeInterval) -> String {
        guard seconds == seconds.rounded(), seconds < 1e15 else { return "\(seconds)" }
        let whole = Int64(seconds)
        for unit in units.reversed() where whole % Int64(unit.seconds) == 0 {
            return "\(whole / Int64(unit.seconds))\(unit.suffix)"
        }
        return "\(whole)s"
    }
}
