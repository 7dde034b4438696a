import Foundation
import StaplingCheck
import TLSStapling

/// Where a confirming handshake goes: `HOST:PORT` (`[::1]:443` for IPv6) and the SNI name.
package struct ConfirmTarget: Sendable, Hashable, CustomStringConvertible {
    package var host: String
    package var port: Int
    package var serverName: String?

    package init(host: String, port: Int, serverName: String?) {
        self.host = host
        self.port = port
        self.serverName = serverName
    }

    /// Parses `confirm:` (`127.0.0.1:443`, `www.example:443`, `[::1]:443`).
    ///
    /// - Throws: ``OutputError`` `.invalidAddress` naming the text.
    package init(parsing text: String, serverName: String?) throws(OutputError) {
        let host: Substring
        let port: Substring
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            host = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":") else {
                throw OutputError(.invalidAddress, subject: text, reason: "expected [IPv6]:PORT")
            }
            port = rest.dropFirst()
        } else {
            guard let colon = text.lastIndex(of: ":") else {
                throw OutputError(.invalidAddress, subject: text, reason: "expected HOST:PORT (e.g. 127.0.0.1:443)")
            }
            host = text[..<colon]
            port = text[text.index(after: colon)...]
        }
        guard !host.isEmpty, let number = Int(port), (1...65535).contains(number) else {
            throw OutputError(.invalidAddress, subject: text, reason: "expected HOST:PORT with a port from 1 to 65535")
        }
        self.init(host: String(host), port: number, serverName: serverName)
    }

    package var description: String {
        let address = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        return serverName.map { "\(address) (SNI \($0))" } ?? address
    }
}

/// How hard a reload is confirmed: nginx's new workers take a moment to take over the listening
/// sockets from the old ones, so the first handshakes after a reload may still reach an old worker.
package struct ConfirmationPolicy: Sendable, Hashable {
    /// Handshakes made before the reload counts as unconfirmed.
    package var attempts: Int
    /// The pause between two of them.
    package var interval: Duration
    /// For one handshake (connection and TLS together).
    package var handshakeTimeout: Duration

    /// Ten handshakes half a second apart (about five seconds), five seconds each at most.
    package static let `default` = ConfirmationPolicy(
        attempts: 10, interval: .milliseconds(500), handshakeTimeout: .seconds(5))

    package init(attempts: Int, interval: Duration, handshakeTimeout: Duration) {
        self.attempts = max(1, attempts)
        self.interval = interval
        self.handshakeTimeout = handshakeTimeout
    }
}

/// Makes handshakes that request status until the server staples what was installed (or nothing,
/// after a withdrawal), through the project's TLS client (``HandshakeProber``).
package struct StapleConfirmation: Sendable {
    package let prober: any HandshakeProber
    package let policy: ConfirmationPolicy

    package init(prober: any HandshakeProber = NIOHandshakeProber(), policy: ConfirmationPolicy = .default) {
        self.prober = prober
        self.policy = policy
    }

    /// Returns once a handshake to `target` carries exactly `expected` (nil: no staple at all).
    ///
    /// TLS 1.3 is offered first; a server that refuses it is asked with TLS 1.2.
    /// - Throws: ``OutputError`` `.unconfirmed` saying what the last handshake carried instead.
    package func confirm(_ target: ConfirmTarget, carries expected: [UInt8]?, site: String) async throws(OutputError) {
        var last = "no handshake was made"
        for attempt in 1...policy.attempts {
            if attempt > 1 { try? await Task.sleep(for: policy.interval) }
            switch await handshake(target) {
            case .success(let observed):
                if observed.staple == expected { return }
                last = Self.describe(observed.staple, expected: expected)
            case .failure(let error):
                last = "the handshake failed: \(error.message)"
            }
        }
        let wanted =
            expected.map { "none of \(policy.attempts) handshakes carried the new staple (\($0.count) bytes)" }
            ?? "\(policy.attempts) handshakes still got a staple where none should be"
        throw OutputError(
            .unconfirmed, subject: target.description,
            reason: "site \(site): after the reload, \(wanted); the last one had \(last)")
    }

    private func handshake(_ target: ConfirmTarget) async -> Result<ObservedHandshake, CheckError> {
        var result: Result<ObservedHandshake, CheckError> = .failure(
            CheckError(.handshakeFailed, subject: target.description, reason: "not tried"))
        for version in [TLSVersion.tls13, .tls12] {
            result = await prober.handshake(
                HandshakeAttempt(
                    host: target.host, port: target.port, serverName: target.serverName,
                    variant: ProbeVariant(version: version, algorithms: .any), timeout: policy.handshakeTimeout))
            if case .success = result { return result }
        }
        return result
    }

    static func describe(_ staple: [UInt8]?, expected: [UInt8]?) -> String {
        guard let staple else { return "no staple" }
        return "a staple of \(staple.count) bytes, not the one installed"
    }
}
