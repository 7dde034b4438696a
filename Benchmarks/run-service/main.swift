// `swift run -c release --scratch-path .build-run RunServiceBenchmark [sites] [seconds] [renewals]`
//
// `staple run`'s service (RunService, in this process) with N sites (default 1,000), each a chain
// file and a `directory:` output, against a local `openssl ocsp -index` responder (a separate
// process) whose answers are valid for 4 minutes. Reports: start-up until every site has its staple
// installed; memory per site; CPU time per refresh-and-install over an observation window (renewal
// polling of the N chain files every 10 s included); and the time from replacing a site's chain file
// (a renewal) to the new certificate's staple being installed, with the default 10 s poll interval.
//
// The withdrawal margin is 30 s instead of 5 minutes and the refresh policy is shortened (as the
// engine benchmark does), so that a refresh cycle fits in the window.
import Foundation
import Logging
import NIOConcurrencyHelpers
import OCSPCore
import ServiceLifecycle
import StapleRun
import StapleTestSupport
import Stapling

#if canImport(Glibc)
    import Glibc
#endif

let arguments = CommandLine.arguments.dropFirst().compactMap { Int($0) }
let count = arguments.first ?? 1_000
let observeSeconds = arguments.dropFirst().first ?? 180
let renewals = arguments.dropFirst(2).first ?? 5

var logger = Logger(label: "run-bench")
logger.logLevel = .error

print("Issuing \(count) certificates...")
let pki = try TestPKI(name: "run-bench")
defer { pki.remove() }
let port = try SystemTools.freePort()
let url = "http://127.0.0.1:\(port)/"
var leaves: [TestPKI.Leaf] = []
for index in 0..<count {
    leaves.append(try pki.issue(fileName: "site\(index)", ocspURLs: [url], writeIndex: false))
}
try pki.writeIndexFile()
let responder = try await OpenSSLResponder(pki: pki, port: port, validity: ["-nmin", "4"])
defer { responder.stop() }
let out = pki.path("out")
try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
let configuration = RunConfiguration(
    stateDirectory: pki.path("state"),
    sites: leaves.enumerated().map { index, leaf in
        SiteConfiguration(name: "site\(index)", certificate: leaf.pemPath, directory: out)
    })

let baselineRSS = ResidentMemory.bytes()
let service = try RunService(
    configuration: configuration, policy: RefreshPolicy(safetyMargin: 40, minimumInterval: 5, backoffBase: 5),
    withdrawalMargin: 30, logger: logger)
let group = ServiceGroup(configuration: ServiceGroupConfiguration(services: [.init(service: service)], logger: logger))

func installedCount() -> Int {
    ((try? FileManager.default.contentsOfDirectory(atPath: out)) ?? []).filter { $0.hasSuffix(".der") }.count
}

let start = Date()
try await withThrowingTaskGroup(of: Void.self) { tasks in
    tasks.addTask { try await group.run() }
    while installedCount() < count { try await Task.sleep(for: .milliseconds(100)) }
    let startup = Date().timeIntervalSince(start)
    let startupRSS = ResidentMemory.bytes()
    print(String(format: "Start-up: %d staples installed in %.1f s (%.0f/s)", count, startup, Double(count) / startup))

    let cpuBefore = ProcessCPU.ownSeconds()
    let before = await service.status().sites.reduce(0) { $0 + $1.successes }
    try await Task.sleep(for: .seconds(observeSeconds))
    let cpu = ProcessCPU.ownSeconds() - cpuBefore
    let statuses = await service.status()
    let refreshes = statuses.sites.reduce(0) { $0 + $1.successes } - before
    let stapled = statuses.sites.filter(\.stapled).count
    let endRSS = ResidentMemory.bytes()
    print(
        "Observed \(observeSeconds) s: \(refreshes) refreshes installed, \(stapled) of \(count) sites stapled at the end"
    )
    print(
        String(
            format: "CPU: %.0f µs per refresh and install (%.2f s CPU in %d s, %.1f %% of one core)",
            cpu / Double(max(refreshes, 1)) * 1e6, cpu, observeSeconds, cpu / Double(observeSeconds) * 100))
    print(
        String(
            format:
                "Memory per site: %.1f KiB after start-up, %.1f KiB at the end (RSS %.0f MiB over a %.0f MiB baseline)",
            Double(startupRSS - baselineRSS) / Double(count) / 1024,
            Double(endRSS - baselineRSS) / Double(count) / 1024,
            Double(endRSS - baselineRSS) / 1_048_576, Double(baselineRSS) / 1_048_576))

    // Renewal: replace a chain file, wait until the new certificate's staple is installed.
    var times: [Double] = []
    for round in 0..<renewals {
        let index = round * max(1, count / max(renewals, 1))
        let renewed = try pki.issue(fileName: "site\(index)", ocspURLs: [url])
        let file = "\(out)/site\(index).der"
        let replaced = Date()
        while true {
            if let bytes = FileManager.default.contents(atPath: file),
                OCSPVerifier().verify(
                    response: Array(bytes), certificate: renewed.certificate, issuer: pki.ca, now: Date()
                )
                .verdict == .good
            {
                break
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        times.append(Date().timeIntervalSince(replaced))
    }
    if !times.isEmpty {
        print(
            String(
                format: "Renewal to installed staple (poll interval %.0f s): mean %.2f s, max %.2f s over %d renewals",
                configuration.certificatePollInterval, times.reduce(0, +) / Double(times.count), times.max() ?? 0,
                times.count))
    }
    await group.triggerGracefulShutdown()
    try await tasks.waitForAll()
}
