import ArgumentParser
import Foundation
import Logging
import Metrics
import NIOCore
import NIOPosix
import Prometheus
import ServiceLifecycle
import StapleFleet
import StapleRun
import StatusHTTP

struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Keep nginx, HAProxy and staple files stapled: fetch, verify, install, reload.",
        discussion: """
            Reads the sites from --config (YAML), or discovers them from a server's own configuration \
            (--nginx: every TLS server{} with an ssl_stapling_file; --haproxy: every crt, with the stats \
            socket found). For each site the engine fetches a staple from the certificate's OCSP responder \
            before it is needed (at half its validity, with jitter and backoff) and verifies it; only a \
            verified good response for the certificate now in the chain file is ever installed. nginx gets \
            its ssl_stapling_file written atomically and one debounced, confirmed reload; HAProxy gets \
            <crt>.ocsp and `set ssl ocsp-response` over its runtime API; directory: gets <name>.der.

            When nothing good can be had the staple is withdrawn rather than left to expire: at once on a \
            revoked answer (logged critical), and 5 minutes before the last good staple's nextUpdate when \
            the responder stays down. It comes back as soon as the responder answers again.

            Certificate files are polled (certificate_poll_interval, 10 s by default); a renewed \
            certificate never gets the old staple: the old one is withdrawn, a new one fetched at once. \
            For a certbot deploy hook, --renewed PATH does that for the sites using PATH and returns once \
            the staple is installed, so the hook's reload staples the new certificate.

            metrics_listen (or --metrics-listen) serves GET /metrics (Prometheus text), /healthz (200 while \
            the service runs; 503 once it is stopping; not a staple check) and /status (JSON, one entry per \
            site; `staple status` prints it as a table).

            With store: postgresql://... (or --store), nodes share one staple store on PostgreSQL: one node \
            fetches each certificate's staple (a lease in its row), the others install it when notified, after \
            verifying it themselves, exactly as if they had fetched it (files, reloads, runtime API). The \
            password comes from PGPASSWORD or store_password_file (--store-password-file), never the URL. \
            PostgreSQL down: each node serves what it has and fetches for itself. /status shows the store.

            Signals: SIGTERM or SIGINT stop it cleanly (pending reloads are done first). SIGHUP re-reads \
            the configuration: sites added, removed and changed; an invalid one is logged and the running \
            one kept.

            Examples:
              staple run --config /etc/staple/staple.yaml
              staple run --config staple.yaml --check-config
              staple run --nginx /etc/nginx/nginx.conf --print-config > /etc/staple/staple.yaml
              staple run --haproxy /etc/haproxy/haproxy.cfg --state-dir /var/lib/staple --metrics-listen 127.0.0.1:9180
              staple run --config staple.yaml --once               # cron or a systemd timer
              staple run --config staple.yaml --renewed "$RENEWED_LINEAGE"   # certbot --deploy-hook
              PGPASSWORD=... staple run --config staple.yaml \\
                  --store 'postgresql://staple@db.internal:5432/staple?sslmode=verify-full'

            Exit status:
              0  --once, --renewed: every site has a verified good staple installed; --check-config: valid;
                 the service: stopped by a signal
              1  --once, --renewed: some site has none (revoked, unknown, rejected, an output refused or failed)
              2  configuration error (the message names the file and line; a bad store URL or password file),
                 or --renewed PATH names no site
              3  --once, --renewed: a responder could not be reached (and no site is in the case of 1);
                 the service: metrics_listen cannot be bound; the store's server presented a certificate
                 sslmode=verify-ca/verify-full does not trust
            """
    )

    @Option(help: "The YAML configuration (see docs/run-configuration.md).")
    var config: String?

    @Option(help: "Discover the sites from this nginx configuration (the sites with an ssl_stapling_file).")
    var nginx: String?

    @Option(help: "Discover the sites from this HAProxy configuration (every crt; its stats socket).")
    var haproxy: String?

    @Option(help: "Where staples persist (discovery mode; overrides state_directory).")
    var stateDir: String?

    @Option(help: "HOST:PORT for /metrics, /healthz and /status (overrides metrics_listen).")
    var metricsListen: EndpointArgument?

    @Flag(help: "Validate the configuration (files exist, issuers, OCSP URLs), print the problems, exit.")
    var checkConfig = false

    @Flag(help: "Print the configuration that would run as YAML (what discovery found), exit.")
    var printConfig = false

    @Flag(help: "One pass: fetch what is due, install, flush reloads, exit (for cron and systemd timers).")
    var once = false

    @Option(help: "Fetch and install now for the sites whose certificate is this file or in this directory.")
    var renewed: String?

    @Flag(help: "With --once or --renewed: print the sites' status as JSON instead of a table.")
    var json = false

    @OptionGroup(title: "Fleet") var fleet: StoreOptions

    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        let sources = [config, nginx, haproxy].compactMap { $0 }
        guard sources.count == 1 else {
            throw ValidationError("give one of --config FILE, --nginx CONF or --haproxy CFG")
        }
        let modes = [checkConfig, printConfig, once, renewed != nil].filter { $0 }
        guard modes.count <= 1 else {
            throw ValidationError("--check-config, --print-config, --once and --renewed exclude each other")
        }
    }

    /// The configuration source, read again on SIGHUP.
    var source: RunConfigurationSource {
        RunConfigurationSource(
            config: config, nginx: nginx, haproxy: haproxy, stateDirectory: stateDir,
            metricsListen: metricsListen.map { "\($0.endpoint.host):\($0.endpoint.port)" }, store: fleet.store,
            storePasswordFile: fleet.storePasswordFile)
    }

    func run() async throws {
        let logger = logging.makeLogger(label: "staple.run")
        let loaded: RunConfigurationSource.Loaded
        do {
            loaded = try source.load()
        } catch {
            printError("run: \(error.message)")
            throw ExitStatus.unusable.exitCode
        }
        for note in loaded.notes { printError("run: \(note)") }
        let configuration = loaded.configuration
        if printConfig {
            print(RunConfigurationWriter.yaml(configuration), terminator: "")
            return
        }
        let problems = RunConfigurationValidator.problems(in: configuration)
        for problem in problems { printError("run: \(problem.message)") }
        let store: FleetConfiguration?
        do {
            store = try fleet.configuration(url: configuration.store, passwordFile: configuration.storePasswordFile)
        } catch {
            printError("run: \(configuration.path.map { "\($0): " } ?? "")store: \(error.message)")
            throw ExitStatus.unusable.exitCode
        }
        if checkConfig {
            guard problems.isEmpty else { throw ExitStatus.unusable.exitCode }
            print("configuration OK: \(configuration.sites.count) site(s)")
            return
        }
        guard problems.isEmpty else { throw ExitStatus.unusable.exitCode }
        let registry = PrometheusCollectorRegistry()
        if !once, renewed == nil { MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry)) }
        let wiring: FleetWiring
        do {
            wiring = try FleetWiring(configuration: store, logger: logger)
        } catch {
            printError("run: store: \(error.message)")
            throw ExitStatus.unusable.exitCode
        }
        let service: RunService
        do {
            service = try RunService(
                configuration: configuration, source: { wiring.source(wrapping: $0) }, logger: logger)
        } catch {
            printError("run: \(error.message)")
            throw ExitStatus.unusable.exitCode
        }
        do {
            try await wiring.prepare()
        } catch {
            await wiring.close()
            printError("run: store: \(error.message)")
            throw ExitStatus.unreachable.exitCode
        }
        if once {
            let report = await service.pass()
            await wiring.close()
            try finish(report)
        } else if let renewed {
            do {
                let report = try await service.renewed(path: renewed)
                await wiring.close()
                try finish(report)
            } catch let error as RunError {
                await wiring.close()
                printError("run: \(error.message)")
                throw ExitStatus.unusable.exitCode
            }
        } else {
            try await serve(service, configuration: configuration, fleet: wiring, registry: registry, logger: logger)
            await wiring.close()
        }
    }

    /// Prints a pass's sites and exits with its verdict.
    private func finish(_ report: PassReport) throws {
        if json {
            FileHandle.standardOutput.write(Data(report.status.json()))
        } else {
            print(StatusTable.render(report.status, now: Date()), terminator: "")
        }
        switch report.verdict {
        case .stapled: return
        case .judged: throw ExitStatus.judged.exitCode
        case .unreachable: throw ExitStatus.unreachable.exitCode
        }
    }

    /// The foreground service: the status endpoint, the service, SIGHUP; until SIGTERM or SIGINT.
    private func serve(
        _ service: RunService, configuration: RunConfiguration, fleet: FleetWiring,
        registry: PrometheusCollectorRegistry, logger: Logger
    ) async throws {
        var endpoint: (any Channel)?
        if let listen = configuration.metricsListen {
            guard let address = EndpointArgument(argument: listen) else {
                printError("run: metrics_listen \(listen): not HOST:PORT")
                throw ExitStatus.unusable.exitCode
            }
            do {
                endpoint = try await StatusEndpoint.start(
                    host: address.endpoint.host, port: address.endpoint.port,
                    routes: StatusRoutes(
                        registry: registry, healthy: { service.isHealthy },
                        status: {
                            var status = await service.status()
                            status.store = await fleet.status()
                            return status.json()
                        }))
            } catch {
                printError("run: cannot listen on \(listen) (metrics_listen): \(error)")
                throw ExitStatus.unreachable.exitCode
            }
            logger.info("Status endpoint listening", metadata: ["run.metrics_listen": "\(listen)"])
        }
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [
                    .init(service: service),
                    .init(service: ConfigurationReloader(service: service, source: source, logger: logger)),
                    .init(service: ChannelCloser(channel: endpoint)),
                ] + fleet.services(engine: service.refresher, policy: service.basePolicy).map { .init(service: $0) },
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}
