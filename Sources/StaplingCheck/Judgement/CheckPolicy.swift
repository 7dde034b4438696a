import Foundation

/// The thresholds a check judges by.
package struct CheckPolicy: Sendable, Hashable {
    /// 12 hours: a server refreshing at half of a response's validity (24 h for the shortest-lived
    /// common responders, 7 days for most) never gets this close; one that does has stopped refreshing.
    package static let defaultWarningHours: Double = 12
    /// 2 hours: little room left before clients see an expired staple; HAProxy stops stapling at 5 minutes.
    package static let defaultCriticalHours: Double = 2

    /// Less time than this before nextUpdate is a warning.
    package var warningHours: Double
    /// Less time than this before nextUpdate is critical.
    package var criticalHours: Double

    package init(warningHours: Double = defaultWarningHours, criticalHours: Double = defaultCriticalHours) {
        self.warningHours = warningHours
        self.criticalHours = criticalHours
    }
}
