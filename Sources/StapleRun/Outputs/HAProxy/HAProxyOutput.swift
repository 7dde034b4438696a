import Foundation
import Logging
import NIOConcurrencyHelpers
import Stapling
import X509

/// `haproxy:` for one certificate: `<crt>.ocsp` for the next start, `<crt>.issuer` when the chain
/// lacks the issuer, and the response pushed to the running HAProxy over its runtime API.
///
/// - A response HAProxy 2.6 would refuse or never staple (``HAProxyStapleability``) is neither
///   written nor pushed: ``OutputOutcome/refused(reason:)``.
/// - The push is done whenever the bytes differ from the last ones HAProxy accepted from this
///   output (a failed push is retried on the next install even if the file is already written).
/// - Withdrawal writes an empty `<crt>.ocsp`. HAProxy 2.6 registers a certificate for runtime updates
///   only when a `.ocsp` file exists at start; an empty one keeps it registered while nothing is
///   stapled after a restart (a warning, not an error). The running HAProxy cannot be told to drop
///   a response in 2.6: it stops stapling it by itself 5 minutes before its nextUpdate.
package final class HAProxyOutput: StapleOutput {
    package let configuration: HAProxyOutputConfiguration
    package let site: String
    private let client: HAProxyRuntimeClient?
    private let observer: (any OutputObserver)?
    private let logger: Logger
    private let now: @Sendable () -> Date
    /// The bytes HAProxy last answered `OCSP Response updated!` to (or an empty array after a withdrawal).
    private let pushed = NIOLockedValueBox<[UInt8]?>(nil)

    package var kind: String { "haproxy" }
    package var description: String { "haproxy \(configuration.crt)" }
    package var ocspPath: String { configuration.crt + ".ocsp" }
    package var issuerPath: String { configuration.crt + ".issuer" }

    package init(
        configuration: HAProxyOutputConfiguration, site: String, logger: Logger,
        runtimeTimeout: TimeInterval = HAProxyRuntimeClient.defaultTimeout, observer: (any OutputObserver)? = nil,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.configuration = configuration
        self.site = site
        self.client = configuration.socket.map { HAProxyRuntimeClient(socket: $0, timeout: runtimeTimeout) }
        self.observer = observer
        self.logger = logger
        self.now = now
    }

    package func install(_ update: SiteStaple) async throws -> OutputOutcome {
        let now = now()
        guard let staple = update.staple, staple.isServable(at: now) else { return try withdraw(update) }
        if let reason = HAProxyStapleability.refusal(
            of: staple.bytes, certificate: update.certificate, issuer: update.issuer, now: now)
        {
            logger.warning(
                "HAProxy would not staple this response; not installed",
                metadata: ["staple.site": "\(site)", "haproxy.crt": "\(configuration.crt)", "reason": "\(reason)"])
            return .refused(reason: reason)
        }
        var changed = false
        // The issuer first: a `.ocsp` without an issuer HAProxy can find is fatal at its next start.
        if !update.chainHasIssuer {
            let pem = try Self.pem(update.issuer, path: issuerPath)
            if OutputFiles.contents(issuerPath) != pem {
                try OutputFiles.write(pem, to: issuerPath)
                changed = true
            }
        }
        if OutputFiles.contents(ocspPath) != staple.bytes {
            try OutputFiles.write(staple.bytes, to: ocspPath)
            changed = true
        }
        if let client, pushed.withLockedValue({ $0 }) != staple.bytes {
            do {
                try await client.setOCSPResponse(staple.bytes)
            } catch {
                observer?.pushed(error.code == .runtimeRefused ? .refused : .failed)
                throw error
            }
            observer?.pushed(.updated)
            pushed.withLockedValue { $0 = staple.bytes }
            changed = true
        }
        return changed ? .installed : .unchanged
    }

    private func withdraw(_ update: SiteStaple) throws -> OutputOutcome {
        let existing = OutputFiles.contents(ocspPath)
        guard existing != [] else { return .unchanged }
        try OutputFiles.write([], to: ocspPath)
        logger.warning(
            "HAProxy staple withdrawn: the .ocsp file is emptied; the running HAProxy keeps its response until 5 minutes before its nextUpdate (2.6 cannot drop one at runtime)",
            metadata: ["staple.site": "\(site)", "haproxy.ocsp": "\(ocspPath)"])
        return .withdrawn
    }

    package func flush() async throws {}

    static func pem(_ certificate: Certificate, path: String) throws(OutputError) -> [UInt8] {
        do {
            return Array((try certificate.serializeAsPEM().pemString + "\n").utf8)
        } catch {
            throw OutputError(.writeFailed, subject: path, reason: "cannot encode the issuer as PEM: \(error)")
        }
    }
}
