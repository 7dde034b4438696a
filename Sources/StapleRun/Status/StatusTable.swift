import Foundation
import OCSPCore

/// `staple status` as a table: one row per site, the columns of HAProxy's `show ssl ocsp-updates`
/// (certificate, next update, last update, successes, failures, last status) plus what is installed.
package enum StatusTable {
    /// The table for `status`, times relative to `now` (`in 3h12m`, `5m ago`) beside nothing else.
    package static func render(_ status: RunStatus, now: Date) -> String {
        let header = [
            "SITE", "SERIAL", "STAPLED", "THIS UPDATE", "NEXT UPDATE", "NEXT REFRESH", "LAST", "OK", "FAIL", "OUTPUTS",
        ]
        var rows = [header]
        for site in status.sites {
            rows.append([
                site.name, site.serial, site.revoked ? "REVOKED" : (site.stapled ? "yes" : "no"),
                relative(site.thisUpdate, now: now), relative(site.nextUpdate, now: now),
                relative(site.nextRefresh, now: now),
                site.lastFetch.map { "\($0) \(relative(site.lastUpdate, now: now))" } ?? "-",
                String(site.successes), String(site.failures),
                site.outputs.map { "\($0.kind):\($0.outcome ?? "-")" }.joined(separator: ","),
            ])
        }
        let widths = header.indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        var lines = rows.map { row in
            zip(row, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ")
                .trimmingTrailingSpaces()
        }
        for site in status.sites where !site.stapled {
            lines.append("\(site.name): \(site.problem ?? "no staple installed")")
        }
        if let store = status.store {
            lines.append(
                "store \(store.url): "
                    + (store.listening ? "listening" : "NOT CONNECTED (serving the cache, fetching alone)")
                    + ", last catch-up \(relative(store.lastCatchUp, now: now)), node \(store.node)")
        }
        let stapled = status.sites.filter(\.stapled).count
        lines.append(
            "\(stapled) of \(status.sites.count) sites stapled (\(status.service), \(status.generatedAt.iso8601))")
        return lines.joined(separator: "\n") + "\n"
    }

    /// `in 3h12m`, `5m ago`, `-` for none.
    package static func relative(_ date: Date?, now: Date) -> String {
        guard let date else { return "-" }
        let seconds = Int(date.timeIntervalSince(now).rounded())
        let text = duration(abs(seconds))
        return seconds >= 0 ? "in \(text)" : "\(text) ago"
    }

    static func duration(_ seconds: Int) -> String {
        if seconds < 60 { return "\(seconds)s" }
        if seconds < 3600 { return "\(seconds / 60)m\(seconds % 60 == 0 ? "" : "\(seconds % 60)s")" }
        if seconds < 86_400 { return "\(seconds / 3600)h\((seconds % 3600) / 60)m" }
        return "\(seconds / 86_400)d\((seconds % 86_400) / 3600)h"
    }
}

extension String {
    fileprivate func trimmingTrailingSpaces() -> String {
        var text = self
        while text.last == " " { text.removeLast() }
        return text
    }
}
