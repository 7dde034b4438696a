import ArgumentParser
import Foundation
import Logging
import Metrics
import NIOCore
import NIOPosix
import OCSPResponder
import Prometheus
import ServiceLifecycle
import StapleFiles
import StatusHTTP
import UnixSignals

struct Respond: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Answer OCSP requests for a private CA from its OpenSSL index, from responses signed ahead.",
        discussion: """
            Reads the CA database that `openssl ca` keeps (index.txt: V, R and E lines) and signs a response \
            for every serial ahead of time, SHA-1 and SHA-256 CertIDs alike; answering from that cache signs \
            nothing. Responses are valid for --validity and signed again every --refresh. A serial not in the \
            index is answered `unknown`, a CertID naming a CA not served `unauthorized`, an undecodable \
            request `malformedRequest` (all HTTP 200, the OCSP status in the body). GET (RFC 6960 A.1) and POST \
            over HTTP/1.1 keep-alive, RFC 5019 caching headers, 304 on If-None-Match and If-Modified-Since.

            The CA signs (--ca-key) or a delegated responder does (--signer, --signer-key: a certificate the CA \
            issued with id-kp-OCSPSigning; it travels in every response). Several CAs: repeat --authority, one \
            group per CA, besides or instead of --ca/--index/--ca-key/--signer/--signer-key.

            A change to an index file (a revocation, a new certificate) is answered within a second, without \
            restart; an index that does not parse keeps the previous one in service and is logged.

            Signals: SIGTERM or SIGINT stop accepting, let open connections finish (--drain), then exit 0. \
            SIGHUP reloads keys and certificates.

            Examples:
              staple respond --ca ca.pem --ca-key ca.key --index index.txt --listen 127.0.0.1:8080
              staple respond --ca ca.pem --index index.txt --signer ocsp.pem --signer-key ocsp.key --listen :80 \\
                  --validity 7d --refresh 12h --metrics-listen 127.0.0.1:9090
              staple respond --listen :80 \\
                  --authority ca=root.pem,index=root/index.txt,ca-key=root.key \\
                  --authority ca=issuing.pem,index=issuing/index.txt,signer=ocsp.pem,signer-key=ocsp.key

            Exit status:
              0  stopped by a signal after draining
              2  usage error or unusable input (the message names the file and the problem)
              3  could not listen (address in use, no permission)
            """
    )

    @Option(help: "The CA certificate (PEM) whose certificates are answered for.")
    var ca: String?

    @Option(help: "The CA's OpenSSL database (index.txt, as `openssl ca` writes it).")
    var index: String?

    @Option(help: "The CA's private key (PEM): the CA signs its responses.")
    var caKey: String?

    @Option(help: "A delegated responder's certificate (PEM; issued by the CA with id-kp-OCSPSigning).")
    var signer: String?

    @Option(help: "The delegated responder's private key (PEM).")
    var signerKey: String?

    @Option(
        help: ArgumentHelp(
            "One CA as a group (repeatable): ca=,index=, then ca-key= or signer=,signer-key=; optionally name=.",
            valueName: "group"))
    var authority: [AuthorityArgument] = []

    @Option(help: "Address to answer on: HOST:PORT, [IPv6]:PORT or :PORT.")
    var listen: EndpointArgument

    @Option(help: "How long each response is valid (nextUpdate - thisUpdate): seconds, or 90s, 15m, 1h, 7d.")
    var validity: DurationArgument = DurationArgument(seconds: ResponderPolicy.defaultValidity)

    @Option(help: "Age at which a response is signed again, less than --validity (default 1h).")
    var refresh: DurationArgument = DurationArgument(seconds: ResponderPolicy.defaultRefresh)

    @Option(help: "Nonces (RFC 9654): echo (sign a fresh response), ignore (answer from the cache), require.")
    var nonce: String = NoncePolicy.echo.rawValue

    @Option(help: "Address for GET /metrics (Prometheus text format) and /healthz: HOST:PORT. Default: none.")
    var metricsListen: EndpointArgument?

    @Option(help: "Connections open at once; more are closed at once.")
    var maxConnections: Int = 10_000

    @Option(help: "Seconds a client has to send a request body once its head is in.")
    var requestTimeout: Double = 5

    @Option(help: "Seconds a connection may wait for a complete request head.")
    var idleTimeout: Double = 15

    @Option(help: "Seconds open connections get to finish after SIGTERM.")
    var drain: Double = 10

    @Option(help: "Seconds between checks of the index files for changes.")
    var pollInterval: Double = 0.5

    @OptionGroup var logging: LoggingOptions

    var sources: [AuthorityFiles] {
        var sources = authority.map(\.files)
        if let ca, let index {
            if let signer, let signerKey {
                sources.insert(
                    AuthorityFiles(caPath: ca, indexPath: index, signerPath: signer, keyPath: signerKey), at: 0)
            } else if let caKey {
                sources.insert(AuthorityFiles(caPath: ca, indexPath: index, keyPath: caKey), at: 0)
            }
        }
        return sources
    }

    func validate() throws {
        let single = [ca, index, caKey, signer, signerKey].contains { $0 != nil }
        if single {
            guard ca != nil, index != nil else { throw ValidationError("--ca and --index go together") }
            switch (caKey, signer, signerKey) {
            case (_?, nil, nil), (nil, _?, _?): break
            default: throw ValidationError("give either --ca-key, or --signer and --signer-key")
            }
        }
        guard !sources.isEmpty else {
            throw ValidationError(
                "give --ca, --index and --ca-key (or --signer and --signer-key), or --authority groups")
        }
        guard NoncePolicy(rawValue: nonce) != nil else { throw ValidationError("--nonce is echo, ignore or require") }
        guard refresh.seconds < validity.seconds else {
            throw ValidationError("--refresh (\(refresh.seconds)s) must be less than --validity (\(validity.seconds)s)")
        }
        guard maxConnections > 0, requestTimeout > 0, idleTimeout > 0, drain >= 0, pollInterval > 0 else {
            throw ValidationError(
                "--max-connections, --request-timeout, --idle-timeout and --poll-interval are more than 0")
        }
    }

    func run() async throws {
        let logger = logging.makeLogger(label: "staple.respond")
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        let policy = ResponderPolicy(
            validity: validity.seconds, refresh: refresh.seconds, nonce: NoncePolicy(rawValue: nonce) ?? .echo)
        let (snapshot, stamps, signed): (ResponderSnapshot, [FileStamp?], Int)
        do {
            (snapshot, stamps, signed) = try IndexReloader.initialSnapshot(
                sources: sources, policy: policy, now: Date())
        } catch {
            printError("respond: \(error.message)")
            throw ExitCode(ExitStatus.unusable.rawValue)
        }
        let state = ResponderState(snapshot: snapshot)
        logger.info(
            "signed ahead",
            metadata: [
                "ocsp.responses": "\(signed)",
                "ocsp.cas": "\(snapshot.authorities.map(\.authority.name).joined(separator: ","))",
            ])
        let group = MultiThreadedEventLoopGroup.singleton
        let limits = ResponderLimits(
            maximumBodySize: policy.maximumRequestSize, requestTimeout: requestTimeout, idleTimeout: idleTimeout,
            maximumConnections: maxConnections, drainTimeout: drain)
        let server = ResponderServer(state: state, limits: limits, group: group, logger: logger)
        var metricsChannel: (any Channel)?
        do {
            _ = try await server.start(host: listen.endpoint.host, port: listen.endpoint.port)
            if let metricsListen {
                metricsChannel = try await StatusEndpoint.start(
                    host: metricsListen.endpoint.host, port: metricsListen.endpoint.port,
                    routes: StatusRoutes(registry: registry), group: group)
            }
        } catch {
            printError("respond: cannot listen: \(error)")
            throw ExitCode(ExitStatus.unreachable.rawValue)
        }
        let reloader = IndexReloader(state: state, sources: sources, stamps: stamps, logger: logger)
        let watcher = IndexWatcher(reloader: reloader, pollInterval: .nanoseconds(Int64(pollInterval * 1e9)))
        let serviceGroup = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [
                    .init(service: watcher),
                    .init(service: HTTPFrontService(server: server, metrics: metricsChannel)),
                    .init(service: ReloadOnHangup(reloader: reloader, logger: logger)),
                ],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            ))
        try await serviceGroup.run()
    }
}

/// The HTTP front as a Service: accepting until graceful shutdown, then draining.
struct HTTPFrontService: Service {
    let server: ResponderServer
    let metrics: (any Channel)?

    func run() async throws {
        try? await gracefulShutdown()
        await server.drain()
        try? await metrics?.close()
    }
}

/// SIGHUP: read keys and certificates again.
struct ReloadOnHangup: Service {
    let reloader: IndexReloader
    let logger: Logger

    func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        for await _ in signals.cancelOnGracefulShutdown() {
            logger.notice("SIGHUP: reloading keys and certificates")
            reloader.requestCredentialReload()
        }
    }
}
