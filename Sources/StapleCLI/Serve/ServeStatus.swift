import Foundation
import OCSPCore
import StapleFiles
import StapleRun
import StaplingProxy
import X509

/// `staple serve`'s `/status`: one entry per certificate (named by its chain path), in the same
/// document `staple run` serves, so `staple status` reads both.
enum ServeStatus {
    static func document(_ server: StapleServer, store: StoreStatus? = nil, now: Date = Date()) async -> RunStatus {
        var sites: [SiteStatus] = []
        for source in server.configuration.certificates {
            let leaf = try? InputFile.certificates(atPath: source.chainPath).first
            let engine = await server.refresher.status(id: source.chainPath)
            let staple = engine?.staple
            let stapled = staple?.isServable(at: now) ?? false
            sites.append(
                SiteStatus(
                    name: source.chainPath, certificate: source.chainPath,
                    serial: leaf.map { Array($0.serialNumber.bytes).hexString } ?? "",
                    stapled: stapled,
                    problem: stapled
                        ? nil : (engine?.revoked == true ? "the certificate is REVOKED" : "no valid staple held"),
                    thisUpdate: staple?.thisUpdate, nextUpdate: staple?.nextUpdate,
                    installedUntil: stapled ? staple?.servingEnd : nil, nextRefresh: engine?.nextAttempt,
                    failures: engine?.consecutiveFailures ?? 0, revoked: engine?.revoked ?? false,
                    outputs: [OutputStatus(kind: "serve", target: "staple serve \(server.configuration.listen)")]))
        }
        return RunStatus(generatedAt: now, service: "serve", sites: sites, store: store)
    }
}
