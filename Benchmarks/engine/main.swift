// `swift build -c release --product staple --product EngineBenchmark`
// `.build/release/EngineBenchmark [CERTIFICATES] [OBSERVE-SECONDS] --staple .build/release/staple [--validity S] [--upsert | --eager]`
//
// How the certificates reach the engine: default, to `init` as a lazy sequence (each decoded, kept as
// DER by the engine, dropped); `--upsert`: one `upsert` each; `--eager`: every one decoded first into
// an array given to `init` (all decoded values alive at once around the engine's storage).
//
// The staple engine managing N certificates (default 100,000) of one CA in one process, against
// `staple respond` (a separate process, pre-signing every serial of the CA's index.txt) on loopback,
// its answers valid for --validity seconds (default 1200). Prints, ratio first:
//
// - memory per certificate: the engine's RSS growth (VmRSS) from just before the certificates are
//   decoded (as a deployment reads them: fresh DER, nothing shared with the benchmark's own copies)
//   to after start-up and at the end, divided by N;
// - the refresh rate after start-up in requests per minute over the observation window, and its
//   peak-to-mean ratio (target ≤ 1.2), also the peak-to-mean of 10-second buckets;
// - start-up: how long until every certificate had a staple, at what rate, how many fetches were in
//   flight at most (the engine's bound), and the responder's own rate;
// - CPU per refresh of the engine process, and the responder's CPU per answer (/proc/PID/stat 14+15).
import Foundation
import Logging
import NIOConcurrencyHelpers
import OCSPCore
import OCSPFetching
import ServiceLifecycle
import StapleTestSupport
import Stapling
import X509

#if canImport(Glibc)
    import Glibc
#endif

/// RSS after glibc's `malloc_trim(0)` has returned the free pages of every arena to the system:
/// what is live plus what cannot be returned. (Called by the benchmark only, to tell the two apart.)
func trimmedResidentBytes() -> Int {
    if let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") {
        let trim = unsafeBitCast(symbol, to: (@convention(c) (Int) -> Int32).self)
        _ = trim(0)
    }
    return ResidentMemory.bytes()
}

/// Prints a line at once (unbuffered), so progress shows in a log file while it runs.
func say(_ line: String = "") {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

/// The machine's load averages (1, 5, 15 minutes), as /proc/loadavg has them.
func loadAverage() -> String {
    let text = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? ""
    return text.split(separator: " ").prefix(3).joined(separator: " ")
}

let arguments = Array(CommandLine.arguments.dropFirst())
func option(_ name: String) -> String? {
    arguments.firstIndex(of: name).flatMap { arguments.dropFirst($0 + 1).first }
}
let numbers = arguments.enumerated().filter { index, value in
    Int(value) != nil && (index == 0 || !arguments[index - 1].hasPrefix("--"))
}.map { Int($0.element)! }
let count = numbers.first ?? 100_000
let observeSeconds = numbers.dropFirst().first ?? 600
let validity = option("--validity").flatMap(Int.init) ?? 1200
guard let staple = option("--staple"), FileManager.default.isExecutableFile(atPath: staple) else {
    say(
        "usage: EngineBenchmark [CERTIFICATES] [OBSERVE-SECONDS] --staple PATH-TO-staple [--validity SECONDS] [--upsert | --eager]"
    )
    say("  (swift build -c release --product staple --product EngineBenchmark)")
    exit(2)
}

var logger = Logger(label: "engine-bench")
logger.logLevel = .error

say("Issuing \(count) certificates...")
let pki = try TestPKI(name: "bench")
defer { pki.remove() }
// The benchmark's own copies: DER only. The engine gets certificates decoded from fresh copies.
var ders: [[UInt8]] = []
ders.reserveCapacity(count)
for _ in 0..<count {
    ders.append(try pki.issue(writePEM: false, writeIndex: false).der)
}
try pki.writeIndexFile()

let port = try SystemTools.freePort()
let url = "http://127.0.0.1:\(port)/"
say("Starting staple respond (pre-signing \(count) serials, validity \(validity) s)...")
let responder = try await ListeningProcess(
    staple,
    [
        "respond", "--ca", pki.caPath, "--ca-key", pki.caKeyPath, "--index", pki.indexPath,
        "--listen", "127.0.0.1:\(port)", "--validity", "\(validity)s", "--refresh", "\(max(1, validity / 20))s",
        "--log-level", "error",
    ], port: port, logPath: "\(pki.directory)/respond.log", stopSignal: SIGTERM)
defer { responder.stop() }

let fetcher = OCSPFetcher(configuration: OCSPFetchConfiguration(proxies: .none), logger: logger)
let policy = RefreshPolicy(safetyMargin: 10, minimumInterval: 5, backoffBase: 5, backoffCap: 60)
let labels = ["good", "not_newer", "network", "other"]

/// Refreshes counted per label and 100 ms slot from the benchmark's start: a table of fixed size made
/// (and its pages written) before the memory baseline, so that the benchmark's own bookkeeping is
/// not in the engine's memory figure (a log of every refresh, 16 bytes each, was: ~0.02 KiB per
/// certificate over a 10-minute run).
struct RefreshLog {
    static let slot = 0.1
    let origin = Date().timeIntervalSince1970
    private var counts: [UInt32]
    private(set) var total = 0
    private(set) var good = 0

    init(hours: Double) {
        counts = [UInt32](repeating: 0, count: Int(hours * 3600 / Self.slot) * labels.count)
    }

    mutating func record(_ label: Int, at time: Double) {
        let index = Int((time - origin) / Self.slot) * labels.count + label
        if index >= 0 && index < counts.count { counts[index] += 1 }
        total += 1
        if label == 0 { good += 1 }
    }

    /// (time, label) of every refresh counted from `start` on, at its slot's middle.
    func events(from start: Double) -> [(Double, UInt8)] {
        var result: [(Double, UInt8)] = []
        let first = max(0, Int((start - origin) / Self.slot))
        for slot in first..<(counts.count / labels.count) {
            let time = origin + (Double(slot) + 0.5) * Self.slot
            guard time >= start else { continue }
            for label in 0..<labels.count {
                let n = Int(counts[slot * labels.count + label])
                if n > 0 { result += repeatElement((time, UInt8(label)), count: n) }
            }
        }
        return result
    }
}
let completions = NIOLockedValueBox(RefreshLog(hours: Double(observeSeconds) / 3600 + 4))
let inFlight = NIOLockedValueBox<(now: Int, peak: Int)>((now: 0, peak: 0))

/// Counts fetches in flight around the real source.
struct CountingSource: ResponseSource {
    let fetch: StapleFetch
    let inFlight: NIOLockedValueBox<(now: Int, peak: Int)>
    func response(for request: StapleRequest, now: @escaping @Sendable () -> Date) async -> StapleFetchOutcome {
        inFlight.withLockedValue {
            $0.now += 1
            $0.peak = max($0.peak, $0.now)
        }
        defer { inFlight.withLockedValue { $0.now -= 1 } }
        return await fetch.response(for: request, now: now)
    }
}

/// A certificate as a deployment has it: decoded from DER read at start (fresh bytes).
func managedCertificate(_ der: [UInt8], issuer: Certificate, url: String) throws -> ManagedCertificate {
        let fresh = [UInt8](unsafeUninitializedCapacity: der.count) { buffer, initialized in
            _ = buffer.initialize(from: der)
            initialized = der.count
        }
        let certificate = try Certificate(derEncoded: fresh)
        return ManagedCertificate(
            id: Array(certificate.serialNumber.bytes).hexString, certificate: certificate, issuer: issuer,
            responderURLs: [url])
}

/// The certificates decoded one at a time as the sequence is read.
func decodedLazily(
    _ ders: [[UInt8]], issuer: Certificate, url: String
) -> LazyMapSequence<LazyFilterSequence<LazyMapSequence<[[UInt8]], ManagedCertificate?>>, ManagedCertificate> {
    ders.lazy.compactMap { try? managedCertificate($0, issuer: issuer, url: url) }
}

let baselineRSS = ResidentMemory.bytes()
let source = CountingSource(fetch: StapleFetch(fetcher: fetcher, logger: logger), inFlight: inFlight)
let oneByOne = arguments.contains("--upsert")
let eager = arguments.contains("--eager")
let mode = oneByOne ? "upsert" : eager ? "init, decoded array" : "init, lazy sequence"
let ca = pki.ca
let store = try StapleStore(directory: "\(pki.directory)/state", logger: logger)
@MainActor func makeRefresher(_ certificates: sending some Sequence<ManagedCertificate>) -> StapleRefresher {
    StapleRefresher(
        certificates: certificates, source: source, verifier: source.fetch.verifier, store: store, policy: policy,
        logger: logger,
        onEvent: { event in
            let label = UInt8(labels.firstIndex(of: event.fetchLabel) ?? 3)
            completions.withLockedValue { $0.record(Int(label), at: Date().timeIntervalSince1970) }
        })
}
let refresher: StapleRefresher
if oneByOne {
    refresher = makeRefresher([ManagedCertificate]())
} else if eager {
    // A temporary array: every decoded certificate alive until `init` returns.
    refresher = makeRefresher(try ders.map { try managedCertificate($0, issuer: ca, url: url) })
} else {
    // Decoded one at a time as the engine reads the sequence; each dropped once kept as DER.
    refresher = makeRefresher(decodedLazily(ders, issuer: ca, url: url))
}
if oneByOne {
    for der in ders { await refresher.upsert(try managedCertificate(der, issuer: pki.ca, url: url)) }
}
guard await refresher.ids.count == count else {
    say("only \(await refresher.ids.count) of \(count) certificates decoded")
    exit(1)
}
say("Certificates given to the engine: \(mode); load average \(loadAverage())")
let group = ServiceGroup(
    configuration: ServiceGroupConfiguration(services: [.init(service: refresher)], logger: logger))

let start = Date()
let responderCPUStart = ProcessCPU.seconds(of: responder.pid)
try await withThrowingTaskGroup(of: Void.self) { tasks in
    tasks.addTask { try await group.run() }
    // Start-up: until every certificate has a staple.
    while completions.withLockedValue({ $0.good }) < count {
        try await Task.sleep(for: .milliseconds(500))
    }
    let startupSeconds = Date().timeIntervalSince(start)
    let startupRequests = completions.withLockedValue { $0.total }
    let startupPeak = inFlight.withLockedValue { $0.peak }
    let startupLoad = loadAverage()
    let responderStartupCPU = ProcessCPU.seconds(of: responder.pid) - responderCPUStart
    let startupRSS = ResidentMemory.bytes()
    let cpuBefore = ProcessCPU.ownSeconds()
    let observeStart = Date()
    try await Task.sleep(for: .seconds(observeSeconds))
    let cpu = ProcessCPU.ownSeconds() - cpuBefore
    let endRSS = ResidentMemory.bytes()
    let trimmedRSS = trimmedResidentBytes()
    let events = completions.withLockedValue { $0.events(from: observeStart.timeIntervalSince1970) }
        .filter { $0.0 < observeStart.timeIntervalSince1970 + Double(observeSeconds) }
    let peakInFlight = inFlight.withLockedValue { $0.peak }
    let endLoad = loadAverage()
    await group.triggerGracefulShutdown()
    try await tasks.waitForAll()

    func buckets(_ width: Int) -> [Int] {
        var result = [Int](repeating: 0, count: observeSeconds / width)
        for (time, _) in events {
            let index = Int(time - observeStart.timeIntervalSince1970) / width
            if index >= 0 && index < result.count { result[index] += 1 }
        }
        return result
    }
    func peakToMean(_ values: [Int]) -> (mean: Double, peak: Int, ratio: Double) {
        let mean = Double(values.reduce(0, +)) / Double(max(values.count, 1))
        let peak = values.max() ?? 0
        return (mean, peak, mean > 0 ? Double(peak) / mean : 0)
    }
    let minutes = buckets(60)
    let tens = buckets(10)
    let perMinute = peakToMean(minutes)
    let perTen = peakToMean(tens)
    let memoryStartup = Double(startupRSS - baselineRSS) / Double(count) / 1024
    let memoryEnd = Double(endRSS - baselineRSS) / Double(count) / 1024
    let outcomes = Dictionary(grouping: events, by: { labels[Int($0.1)] }).mapValues(\.count)

    say(
        String(
            format:
                "Engine, %d certificates: %.2f KiB per certificate at the end (target ≤ 2), refresh peak-to-mean %.2f per minute (target ≤ 1.2), start-up %.0f staples/s",
            count, memoryEnd, perMinute.ratio, Double(count) / startupSeconds))
    say("")
    say(
        String(
            format:
                "Start-up: %d staples in %.1f s (%.0f/s), %d requests, at most %d fetches in flight; responder CPU %.0f µs per answer",
            count, startupSeconds, Double(count) / startupSeconds, startupRequests, startupPeak,
            responderStartupCPU / Double(max(startupRequests, 1)) * 1e6))
    say("Observed \(observeSeconds) s after start-up: \(events.count) refreshes \(outcomes)")
    say(
        String(
            format: "Refreshes per minute: mean %.0f, peak %d, peak-to-mean %.2f; per 10 s: mean %.1f, peak %d, peak-to-mean %.2f",
            perMinute.mean, perMinute.peak, perMinute.ratio, perTen.mean, perTen.peak, perTen.ratio))
    say(
        String(
            format: "CPU per refresh (engine process): %.0f µs (%.2f s CPU for %d refreshes); fetches in flight at most %d",
            cpu / Double(max(events.count, 1)) * 1e6, cpu, events.count, peakInFlight))
    say(
        String(
            format:
                "Memory per certificate: %.2f KiB after start-up, %.2f KiB at the end (RSS +%.0f MiB over a %.0f MiB baseline)",
            memoryStartup, memoryEnd, Double(endRSS - baselineRSS) / 1_048_576, Double(baselineRSS) / 1_048_576))
    say(
        String(
            format:
                "After malloc_trim(0) at the end: %.2f KiB per certificate (RSS +%.0f MiB): the rest of the figure above is free heap glibc had kept",
            Double(trimmedRSS - baselineRSS) / Double(count) / 1024, Double(trimmedRSS - baselineRSS) / 1_048_576))
    say("Load average (1, 5, 15 min) after start-up: \(startupLoad); at the end: \(endLoad)")
    say("Per minute: \(minutes.map(String.init).joined(separator: " "))")
    say("Per 10 s:   \(tens.map(String.init).joined(separator: " "))")
    // The engine has no peer process: its figures are set against the performance issue's targets.
    BenchmarkResult(
        benchmark: "engine", metric: "memory per certificate, \(count) certificates, \(mode)", staple: memoryEnd,
        peer: 2,
        peerName: "target", unit: "KiB", higherIsBetter: false
    ).emit()
    BenchmarkResult(
        benchmark: "engine", metric: "refresh peak-to-mean per minute", staple: perMinute.ratio, peer: 1.2,
        peerName: "target", unit: "", higherIsBetter: false
    ).emit()
    BenchmarkResult(
        benchmark: "engine", metric: "start-up fetches in flight at most", staple: Double(startupPeak),
        peer: Double(refresher.maximumConcurrentFetches), peerName: "bound", unit: "", higherIsBetter: false
    ).emit()
}
try await fetcher.shutdown()
// The deferred `responder.stop()` was seen to wait forever here (Foundation's `waitUntilExit` on the
// main actor never saw the responder's exit), holding back the buffered RESULT lines: stop it, clean
// up, flush and exit instead.
responder.signal(SIGTERM)
pki.remove()
fflush(nil)  // every stream
exit(0)
