import Foundation

/// The thresholds a check judges by.
public struct CheckPolicy: Sendable, Hashable {
    /// 12 hours: a server refreshing at half of a response's validity (24 h for the shortest-lived
    /// common responders, 7 days for most) never gets this close; one that does has stopped refreshing.
    public static let defaultWarningHours: Double = 12
    /// 2 hours: little room left before clients see an expired staple; HAProxy stops stapling at 5 minutes.
    public static let defaultCriticalHours: Double = 2

    /// Less time than this before nextUpdate is a warning.
    public var warningHours: Double
    /// Less time than this before nextUpdate is critical.
    public var criticalHours: Double

    public init(warningHours: Double = defaultWarningHours, criticalHours: Double = defaultCriticalHours) {
        self.warningHours = warningHours
        self.criticalHours = criticalHours
    }
}
