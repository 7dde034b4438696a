import Logging
import Stapling

/// The one report of a row whose response does not verify for its certificate (tampered with, or
/// written by something other than staple): an error log line naming the key, serial, version,
/// writer and failed check, and the `staple_fleet_rejected_rows_total` counter. It is never installed.
enum RejectedRow {
    static func report(
        _ row: StapleRow, _ judgement: StapleJudgement, serial: String, metrics: FleetMetrics, logger: Logger
    ) {
        metrics.rejectedRows.increment()
        logger.error(
            "Store row rejected: not installed",
            metadata: [
                "cert.key": "\(row.key)", "cert.serial": "\(serial)", "store.version": "\(row.version)",
                "store.written_by": "\(row.writtenBy ?? "?")",
                "error.reason": "\(RowDecision.rejectionReason(judgement))",
            ])
    }
}
