// `swift run -c release --scratch-path .build-engine EngineBenchmark [certificates] [seconds]`
//
// Manages N certificates (default 10,000) in one process against a local `openssl ocsp -index`
// responder whose answers are valid for 2 minutes (so a refresh cycle is about a minute), and
// reports, after start-up: memory per certificate, CPU time per refresh, and the peak-to-mean
// ratio of requests per second sent to the responder (1-second buckets).
import Foundation
import Logging
import NIOConcurrencyHelpers
import OCSPFetching
import ServiceLifecycle
import StapleTestSupport
import Stapling

#if canImport(Glibc)
    import Glibc
#endif

func residentBytes() -> Int {
    let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
    let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
    return (Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0) * 1024
}

func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6 + Double(usage.ru_stime.tv_sec)
        + Double(usage.ru_stime.tv_usec) / 1e6
}

let arguments = CommandLine.arguments.dropFirst().compactMap { Int($0) }
let count = arguments.first ?? 10_000
let observeSeconds = arguments.dropFirst().first ?? 180

var logger = Logger(label: "engine-bench")
logger.logLevel = .error

print("Issuing \(count) certificates...")
let pki = try TestPKI(name: "bench")
defer { pki.remove() }
let port = try SystemTools.freePort()
let url = "http://127.0.0.1:\(port)/"
var leaves: [TestPKI.Leaf] = []
for _ in 0..<count {
    leaves.append(try pki.issue(writePEM: false, writeIndex: false))
}
try pki.writeIndexFile()
let responder = try await OpenSSLResponder(pki: pki, port: port, validity: ["-nmin", "2"])
defer { responder.stop() }

let fetcher = OCSPFetcher(configuration: OCSPFetchConfiguration(proxies: .none), logger: logger)
let policy = RefreshPolicy(safetyMargin: 10, minimumInterval: 5, backoffBase: 5, backoffCap: 60)
let completions = NIOLockedValueBox<[(Date, String)]>([])
let baselineRSS = residentBytes()
let refresher = StapleRefresher(
    certificates: leaves.map {
        ManagedCertificate(id: $0.serialHex, certificate: $0.certificate, issuer: pki.ca, responderURLs: [url])
    },
    fetch: StapleFetch(fetcher: fetcher, logger: logger),
    store: try StapleStore(directory: "\(pki.directory)/state", logger: logger),
    policy: policy, logger: logger,
    onEvent: { event in completions.withLockedValue { $0.append((Date(), event.fetchLabel)) } }
)
let group = ServiceGroup(
    configuration: ServiceGroupConfiguration(services: [.init(service: refresher)], logger: logger))

let start = Date()
try await withThrowingTaskGroup(of: Void.self) { tasks in
    tasks.addTask { try await group.run() }
    // Start-up: until every certificate has a staple.
    while completions.withLockedValue({ $0.count }) < count {
        try await Task.sleep(for: .milliseconds(200))
    }
    let startupSeconds = Date().timeIntervalSince(start)
    let startupRSS = residentBytes()
    print(
        String(format: "Start-up: %d staples in %.1f s (%.0f/s)", count, startupSeconds, Double(count) / startupSeconds)
    )
    let cpuBefore = cpuSeconds()
    let observeStart = Date()
    let before = completions.withLockedValue { $0.count }
    try await Task.sleep(for: .seconds(observeSeconds))
    let cpu = cpuSeconds() - cpuBefore
    let events = completions.withLockedValue { Array($0[before...]) }
    let endRSS = residentBytes()
    await group.triggerGracefulShutdown()
    try await tasks.waitForAll()

    var buckets = [Int](repeating: 0, count: observeSeconds)
    for (time, _) in events {
        let index = Int(time.timeIntervalSince(observeStart))
        if index >= 0 && index < observeSeconds { buckets[index] += 1 }
    }
    let mean = Double(buckets.reduce(0, +)) / Double(observeSeconds)
    let peak = Double(buckets.max() ?? 0)
    let outcomes = Dictionary(grouping: events, by: \.1).mapValues(\.count)
    print("Observed \(observeSeconds) s after start-up: \(events.count) refreshes \(outcomes)")
    print(String(format: "Requests/s: mean %.1f, peak %.0f, peak-to-mean %.2f", mean, peak, mean > 0 ? peak / mean : 0))
    print(
        String(
            format: "CPU per refresh: %.0f µs (%.2f s CPU for %d refreshes)", cpu / Double(max(events.count, 1)) * 1e6,
            cpu, events.count))
    print(
        String(
            format:
                "Memory per certificate: %.1f KiB after start-up, %.1f KiB at the end (RSS %.0f MiB over a %.0f MiB baseline)",
            Double(startupRSS - baselineRSS) / Double(count) / 1024,
            Double(endRSS - baselineRSS) / Double(count) / 1024,
            Double(endRSS - baselineRSS) / 1_048_576, Double(baselineRSS) / 1_048_576))
    print("Buckets (requests per second): \(buckets.map(String.init).joined(separator: " "))")
}
try await fetcher.shutdown()
