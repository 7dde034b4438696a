import ArgumentParser
import Foundation
import Logging
import NIOCore
import NIOPosix
import Metrics
import OCSPFetching
import Prometheus
import ServiceLifecycle
import Stapling
import StapleFleet
import StaplingProxy
import StatusHTTP
import TLSStapling

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Terminate TLS, staple from the very first handshake, and proxy to a backend.",
        discussion: """
            Before accepting connections, `staple serve` loads the staples persisted in --state-dir \
            (re-verifying each) and fetches the missing ones from the certificates' OCSP responders, \
            waiting at most --startup-wait. Unlike nginx, the first client is stapled. The engine then \
            refreshes every staple in the background (at half its validity, with jitter and backoff) \
            and new staples apply to new handshakes at once. Only a verified, good, unexpired response \
            is ever stapled, and only to clients that ask for one.

            Each --cert is a PEM chain, leaf first then its issuer; --key is its private key, paired in \
            order. For many certificates, --cert-list names a file with one `CHAIN KEY` pair per line \
            (read at start; SIGHUP reloads the files it names); it adds to any --cert. Several \
            certificates are chosen by SNI; an RSA and an ECDSA certificate for the same names are \
            chosen by what the client supports. A Must-Staple certificate without a valid \
            staple is still served, and logged as an error.

            --metrics-listen serves GET /metrics (Prometheus text: the engine's fetches by outcome, \
            certificates without a valid staple, ...), /healthz and /status (JSON, one entry per \
            certificate; `staple status --url http://HOST:PORT` prints it as a table).

            With --store, nodes share one staple store on PostgreSQL: one node fetches each \
            certificate's staple (a lease in its row), the others install it when notified, after \
            verifying it themselves. PostgreSQL down: each node serves its --state-dir cache and fetches \
            for itself. The schema is created and migrated at start.

            Signals: SIGTERM or SIGINT stop accepting, let open connections finish (--drain seconds), \
            then exit. SIGHUP reloads certificates and keys.

            Examples:
              staple serve --listen :443 --cert site.pem --key site.key --backend 127.0.0.1:8080 --state-dir /var/lib/staple
              staple serve --listen 127.0.0.1:8443 --cert rsa.pem --key rsa.key --cert ec.pem --key ec.key --backend 127.0.0.1:8080
              staple serve --listen :443 --cert-list /etc/staple/certificates.list --backend 127.0.0.1:8080 --state-dir /var/lib/staple
              staple serve --listen :443 --cert site.pem --key site.key --backend 127.0.0.1:8080 --metrics-listen 127.0.0.1:9180
              PGPASSWORD=... staple serve --listen :443 --cert site.pem --key site.key --backend 127.0.0.1:8080 \\
                  --state-dir /var/lib/staple --store 'postgresql://staple@db.internal:5432/staple?sslmode=verify-full'

            Exit status:
              0  stopped by a signal after draining
              2  usage error or unusable input (the message names the file and the problem)
              3  could not listen (address in use, no permission), --metrics-listen included; or --store's
                 server presented a certificate sslmode=verify-ca/verify-full does not trust (PostgreSQL
                 merely down is not an exit: the node serves its cache and fetches for itself)
            """
    )

    @Option(help: "Address to accept TLS on: HOST:PORT, [IPv6]:PORT or :PORT.")
    var listen: EndpointArgument

    @Option(help: "PEM certificate chain, leaf first, then its issuer (repeatable).")
    var cert: [String] = []

    @Option(help: "PEM private key for the --cert at the same position (repeatable).")
    var key: [String] = []

    @Option(
        help: ArgumentHelp(
            "A file listing certificates, one per line: its PEM chain, then its key (relative paths from the file's directory; # comments).",
            valueName: "file"))
    var certList: String?

    @Option(help: "Where to proxy the decrypted bytes: HOST:PORT.")
    var backend: EndpointArgument

    @Option(help: "Directory where staples persist across restarts (created if missing). Default: memory only.")
    var stateDir: String?

    @Option(help: "Seconds to wait for missing staples before accepting connections anyway.")
    var startupWait: Int = 10

    @Option(help: "Seconds a client gets to complete the TLS handshake before it is disconnected.")
    var handshakeTimeout: Int = 10

    @Option(help: "Seconds open connections get to finish after SIGTERM.")
    var drain: Int = 10

    @Option(
        help: "Seconds before the first retry after a failed fetch; later retries back off exponentially to 30 minutes."
    )
    var retryAfter: Int = Int(RefreshPolicy.defaultBackoffBase)

    @Option(
        help:
            "Least seconds between two fetches for one certificate. With responses valid under 15 minutes every refresh waits this long (default 60; staple demo uses 2)."
    )
    var minRefreshInterval: Int = Int(RefreshPolicy.defaultMinimumInterval)

    @Option(help: "ALPN protocols to offer, comma-separated in order of preference (e.g. h2,http/1.1).")
    var alpn: String?

    @Option(help: "Address for GET /metrics (Prometheus text), /healthz and /status (JSON): HOST:PORT. Default: none.")
    var metricsListen: EndpointArgument?

    @OptionGroup(title: "Fleet") var fleet: StoreOptions

    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        guard !cert.isEmpty || certList != nil else {
            throw ValidationError("give at least one --cert and its --key, or a --cert-list")
        }
        guard cert.count == key.count else {
            throw ValidationError("--cert and --key pair up in order: got \(cert.count) --cert and \(key.count) --key")
        }
        guard startupWait >= 0, drain >= 0 else {
            throw ValidationError("--startup-wait and --drain are seconds, 0 or more")
        }
        guard handshakeTimeout > 0 else { throw ValidationError("--handshake-timeout is seconds, more than 0") }
        guard minRefreshInterval >= 1 else { throw ValidationError("--min-refresh-interval is seconds, 1 or more") }
    }

    func run() async throws {
        let logger = logging.makeLogger(label: "staple.serve")
        var certificates = zip(cert, key).map { TLSCertificateSource(chainPath: $0, keyPath: $1) }
        if let certList {
            do {
                certificates += try CertificateList.load(certList)
            } catch {
                FileHandle.standardError.write(Data("staple serve: --cert-list \(error.message)\n".utf8))
                throw ExitStatus.unusable.exitCode
            }
        }
        let configuration = StapleServerConfiguration(
            listen: listen.endpoint, backend: backend.endpoint,
            certificates: certificates,
            stateDirectory: stateDir, startupWait: .seconds(startupWait),
            alpnProtocols: alpn.map { $0.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) } }
                ?? [],
            handshakeTimeout: .seconds(Int64(handshakeTimeout)), drainTimeout: .seconds(Int64(drain)),
            policy: RefreshPolicy(
                minimumInterval: TimeInterval(minRefreshInterval), backoffBase: TimeInterval(max(1, retryAfter)))
        )
        let store: FleetConfiguration?
        do {
            store = try fleet.configuration(url: fleet.store, passwordFile: fleet.storePasswordFile)
        } catch {
            FileHandle.standardError.write(Data("staple serve: \(error.message)\n".utf8))
            throw ExitStatus.unusable.exitCode
        }
        try await Self.serve(configuration, metricsListen: metricsListen?.endpoint, store: store, logger: logger)
    }

    /// The composition: the fetcher, the server (engine and proxy), a `ServiceGroup` that drains on
    /// SIGTERM/SIGINT, and SIGHUP reloads; then the exit status.
    static func serve(
        _ configuration: StapleServerConfiguration, metricsListen: TLSProxy.Endpoint? = nil,
        store: FleetConfiguration? = nil, logger: Logger
    ) async throws {
        let registry = PrometheusCollectorRegistry()
        if metricsListen != nil { MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry)) }
        let fleet: FleetWiring
        do {
            fleet = try FleetWiring(configuration: store, logger: logger)
        } catch {
            FileHandle.standardError.write(Data("staple serve: \(error.message)\n".utf8))
            throw ExitStatus.unusable.exitCode
        }
        let fetcher = OCSPFetcher(
            configuration: OCSPFetchConfiguration(attemptTimeout: configuration.fetchTimeout), logger: logger)
        let server: StapleServer
        let fetch = StapleFetch(fetcher: fetcher, logger: logger)
        do {
            try await fleet.prepare()
        } catch {
            try? await fetcher.shutdown()
            await fleet.close()
            FileHandle.standardError.write(Data("staple serve: --store \(error.message)\n".utf8))
            throw ExitStatus.unreachable.exitCode
        }
        do {
            server = try StapleServer(
                configuration: configuration, fetch: fetch, source: fleet.source(wrapping: fetch),
                group: MultiThreadedEventLoopGroup.singleton, logger: logger)
        } catch {
            try? await fetcher.shutdown()
            FileHandle.standardError.write(Data("staple serve: \(error)\n".utf8))
            throw ExitStatus.unusable.exitCode
        }
        await server.prepare()
        var endpoint: (any Channel)?
        if let metricsListen {
            do {
                endpoint = try await StatusEndpoint.start(
                    host: metricsListen.host, port: metricsListen.port,
                    routes: StatusRoutes(registry: registry, status: { await ServeStatus.document(server, store: await fleet.status()).json() }))
            } catch {
                try? await fetcher.shutdown()
                FileHandle.standardError.write(
                    Data("staple serve: cannot listen on \(metricsListen) (--metrics-listen): \(error)\n".utf8))
                throw ExitStatus.unreachable.exitCode
            }
        }
        let services =
            server.services + [HangupReloader(server: server, logger: logger), ChannelCloser(channel: endpoint)]
            + fleet.services(engine: server.refresher, policy: configuration.policy)
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: services.map { ServiceGroupConfiguration.ServiceConfiguration(service: $0) },
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger
            )
        )
        do {
            try await group.run()
        } catch let error as IOError {
            try? await fetcher.shutdown()
            FileHandle.standardError.write(
                Data("staple serve: cannot listen on \(configuration.listen): \(error)\n".utf8))
            throw ExitStatus.unreachable.exitCode
        } catch {
            try? await fetcher.shutdown()
            throw error
        }
        try? await fetcher.shutdown()
        await fleet.close()
    }
}
