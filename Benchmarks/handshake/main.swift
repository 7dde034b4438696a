// `staple serve` against nginx 1.22 on the same machine, certificates, staples and load clients:
//
//   swift build -c release --product staple && swift build -c release --product HandshakeBenchmark
//   .build/release/HandshakeBenchmark --staple .build/release/staple [--runs 3] [--handshakes 300] [--seconds 5]
//       [--keys p256,rsa] [--versions 1.3,1.2] [--swift-load] [--proxy] [--perf DIR]
//   .build/release/HandshakeBenchmark --staple .build/release/staple --callgrind DIR [--handshakes 200]
//
// For each certificate (ECDSA P-256, RSA-2048) and TLS version (1.3, 1.2), alternating between the
// two servers within each run:
// 1. Server CPU per stapled handshake: two parallel shell loops of `openssl s_client -status` (each a
//    full handshake requesting status; every one checked for a staple). CPU is utime + stime from
//    /proc/PID/stat before and after, of `staple serve`'s process and of nginx's master and workers
//    summed: it does not depend on the load client, which shares the 2 cores.
// 2. New handshakes per second with two parallel `openssl s_time -new` clients (no status request:
//    s_time cannot ask for one), and the server CPU per handshake under that load.
// Optional: `--swift-load` adds the in-process client of Staple's own client role (16 loops,
// status requested), `--proxy` 64 KiB responses proxied over keep-alive TLS 1.3.
// `--perf DIR` samples `staple serve` with `perf record -g` during the first run's status load of each
// certificate and version and writes the report's top to DIR. `--callgrind DIR` measures nothing
// else: it runs `staple serve` under `valgrind --tool=callgrind` and prints the instructions per
// stapled handshake (independent of the machine's load), with the annotated top in DIR.
// Each line prints its ratio first: CPU as nginx/ours, rates as ours/nginx, so above 1 means
// `staple serve` does better. Both servers get two workers (nginx: 2 worker processes; staple: 2
// event loops on 2 cores).
import Foundation
import NIOCore
import NIOPosix
import StapleTestSupport
import TLSStapling

struct Options {
    var staple = ".build/release/staple"
    var runs = 3
    var handshakes = 300
    var loops = 2
    var seconds = 5
    var clients = 2
    var keys: [TestPKI.KeyType] = [.p256, .rsa]
    var versions: [TLSVersion] = [.tls13, .tls12]
    var swiftLoad = false
    var proxy = false
    var concurrency = 16
    var perf: String?
    var callgrind: String?

    init(_ arguments: [String]) {
        var iterator = arguments.dropFirst().makeIterator()
        func value(_ name: String) -> String {
            guard let next = iterator.next() else { fatalError("\(name) needs a value") }
            return next
        }
        while let argument = iterator.next() {
            switch argument {
            case "--staple": staple = value(argument)
            case "--runs": runs = Int(value(argument)) ?? runs
            case "--handshakes": handshakes = Int(value(argument)) ?? handshakes
            case "--loops": loops = Int(value(argument)) ?? loops
            case "--seconds": seconds = Int(value(argument)) ?? seconds
            case "--clients": clients = Int(value(argument)) ?? clients
            case "--concurrency": concurrency = Int(value(argument)) ?? concurrency
            case "--keys":
                keys = value(argument).split(separator: ",").map {
                    guard let key = TestPKI.KeyType(rawValue: String($0)) else { fatalError("unknown key \($0)") }
                    return key
                }
            case "--versions":
                versions = value(argument).split(separator: ",").map {
                    switch $0 {
                    case "1.3": .tls13
                    case "1.2": .tls12
                    default: fatalError("unknown TLS version \($0) (1.3 or 1.2)")
                    }
                }
            case "--swift-load": swiftLoad = true
            case "--proxy": proxy = true
            case "--perf": perf = value(argument)
            case "--callgrind": callgrind = value(argument)
            default: fatalError("unknown argument \(argument)")
            }
        }
    }
}

/// Prints a line unbuffered, so progress shows when the output is redirected.
func say(_ line: String) { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }

func format(_ value: Double, _ digits: Int = 0) -> String { String(format: "%.\(digits)f", value) }

/// The median and the range of some figures.
struct Spread {
    var values: [Double]
    var median: Double {
        let sorted = values.sorted()
        return sorted.count % 2 == 1
            ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }
    func text(_ digits: Int = 0) -> String {
        values.count == 1
            ? format(values[0], digits)
            : "\(format(median, digits)) (\(format(values.min()!, digits))–\(format(values.max()!, digits)))"
    }
}

/// The CPU per operation of the process tree `pid` while `load` runs.
func measureCPU(_ pid: Int32, _ load: () throws -> OpenSSLLoad.Outcome) rethrows -> (OpenSSLLoad.Outcome, Double) {
    let before = ProcessCPU.seconds(ofTree: pid)
    let outcome = try load()
    let after = ProcessCPU.seconds(ofTree: pid)
    return (outcome, (after - before) / Double(max(1, outcome.handshakes)) * 1e6)
}

/// A markdown row for the summary.
var summary: [String] = []

let options = Options(CommandLine.arguments)
let backend = try await BenchBackend.start()

if let directory = options.callgrind {
    say("staple serve under valgrind --tool=callgrind: instructions per stapled handshake (\(options.handshakes) handshakes)")
    for key in options.keys {
        let fixture = try BenchFixture(keyType: key)
        defer { fixture.remove() }
        for version in options.versions {
            let name = "callgrind-\(key)-\(version == .tls13 ? "tls13" : "tls12")"
            let instructions = try await Profiles.callgrind(
                executable: options.staple, fixture: fixture, backendPort: backend.port, version: version,
                count: options.handshakes, name: name, directory: directory)
            say("\(key.displayName), \(version == .tls13 ? "TLS 1.3" : "TLS 1.2"): \(format(instructions)) instructions per handshake (\(directory)/\(name).txt)")
        }
    }
    await backend.stop()
    exit(0)
}
say(
    "staple serve vs nginx 1.22 (2 workers, ssl_stapling_file), 2 cores; \(options.runs) run(s) alternating the servers; "
        + "CPU = utime + stime from /proc/PID/stat (nginx: master + workers); ratios > 1 favour staple serve"
)

for key in options.keys {
    let fixture = try BenchFixture(keyType: key)
    defer { fixture.remove() }
    let nginx = try await startNginx(fixture: fixture, backendPort: backend.port)
    defer { nginx.stop() }
    let serve = try await startServe(executable: options.staple, fixture: fixture, backendPort: backend.port)
    defer { serve.stop() }
    let nginxPID = try masterPID(nginx)
    // Warm up both (first handshakes, lazy initialisation).
    for port in [serve.port, nginx.port] {
        _ = try OpenSSLLoad.statusLoops(port: port, version: .tls13, loops: 2, count: 5)
    }

    for version in options.versions {
        let label = "\(key.displayName), \(version == .tls13 ? "TLS 1.3" : "TLS 1.2")"
        say("")
        say("== \(label) ==")
        var cpuOurs: [Double] = []
        var cpuTheirs: [Double] = []
        var stapled = (ours: 0, theirs: 0, total: 0)
        var rateOurs: [Double] = []
        var rateTheirs: [Double] = []
        var timeCPUOurs: [Double] = []
        var timeCPUTheirs: [Double] = []
        for run in 0..<options.runs {
            let status = { (port: Int) in
                try OpenSSLLoad.statusLoops(
                    port: port, version: version, loops: options.loops, count: options.handshakes)
            }
            if run == 0, let directory = options.perf {
                let name = "perf-\(key)-\(version == .tls13 ? "tls13" : "tls12")"
                try Profiles.perf(pids: [serve.pid], name: "\(name)-staple", directory: directory) { _ = try status(serve.port) }
                try Profiles.perf(pids: [nginxPID] + ProcessCPU.children(of: nginxPID), name: "\(name)-nginx", directory: directory) { _ = try status(nginx.port) }
            }
            let (a, ca) = try measureCPU(serve.pid) { try status(serve.port) }
            let (b, cb) = try measureCPU(nginxPID) { try status(nginx.port) }
            cpuOurs.append(ca)
            cpuTheirs.append(cb)
            stapled.ours += a.stapled
            stapled.theirs += b.stapled
            stapled.total += a.handshakes
            let sTime = { (port: Int) in
                try OpenSSLLoad.sTime(port: port, version: version, clients: options.clients, seconds: options.seconds)
            }
            let (c, cc) = try measureCPU(serve.pid) { try sTime(serve.port) }
            let (d, cd) = try measureCPU(nginxPID) { try sTime(nginx.port) }
            rateOurs.append(c.rate)
            rateTheirs.append(d.rate)
            timeCPUOurs.append(cc)
            timeCPUTheirs.append(cd)
        }
        let cpuRatios = Spread(values: zip(cpuTheirs, cpuOurs).map { $0 / $1 })
        let rateRatios = Spread(values: zip(rateOurs, rateTheirs).map { $0 / $1 })
        let timeCPURatios = Spread(values: zip(timeCPUTheirs, timeCPUOurs).map { $0 / $1 })
        say(
            "ratio \(cpuRatios.text(2))× nginx/ours | server CPU per stapled handshake "
                + "(\(options.loops) × \(options.handshakes) openssl s_client -status): staple serve \(Spread(values: cpuOurs).text()) µs, "
                + "nginx \(Spread(values: cpuTheirs).text()) µs | stapled: staple serve \(stapled.ours)/\(stapled.total), "
                + "nginx \(stapled.theirs)/\(stapled.total)"
        )
        say(
            "ratio \(rateRatios.text(2))× ours/nginx | new handshakes/s (\(options.clients) × openssl s_time -new, "
                + "\(options.seconds) s): staple serve \(Spread(values: rateOurs).text()), nginx \(Spread(values: rateTheirs).text())"
        )
        say(
            "ratio \(timeCPURatios.text(2))× nginx/ours | server CPU per handshake under s_time: "
                + "staple serve \(Spread(values: timeCPUOurs).text()) µs, nginx \(Spread(values: timeCPUTheirs).text()) µs"
        )
        let medianCPU = (Spread(values: cpuOurs).median, Spread(values: cpuTheirs).median)
        BenchmarkResult(
            benchmark: "handshake", metric: "server CPU per stapled handshake, \(label)", staple: medianCPU.0,
            peer: medianCPU.1, peerName: "nginx", unit: "µs", higherIsBetter: false
        ).emit()
        BenchmarkResult(
            benchmark: "handshake", metric: "new handshakes/s (s_time -new), \(label)",
            staple: Spread(values: rateOurs).median, peer: Spread(values: rateTheirs).median, peerName: "nginx",
            unit: "handshakes/s", higherIsBetter: true
        ).emit()
        summary.append(
            "| \(label) | CPU µs/stapled handshake | \(Spread(values: cpuOurs).text()) | \(Spread(values: cpuTheirs).text()) | \(cpuRatios.text(2))× |"
        )
        summary.append(
            "| \(label) | s_time -new handshakes/s | \(Spread(values: rateOurs).text()) | \(Spread(values: rateTheirs).text()) | \(rateRatios.text(2))× |"
        )
        summary.append(
            "| \(label) | CPU µs/handshake under s_time | \(Spread(values: timeCPUOurs).text()) | \(Spread(values: timeCPUTheirs).text()) | \(timeCPURatios.text(2))× |"
        )

        if options.swiftLoad {
            let a = try await HandshakeLoad.run(
                port: serve.port, version: version, seconds: Double(options.seconds), concurrency: options.concurrency)
            let b = try await HandshakeLoad.run(
                port: nginx.port, version: version, seconds: Double(options.seconds), concurrency: options.concurrency)
            say(
                "ratio \(format(a.rate / b.rate, 2))× ours/nginx | handshakes/s, status requested, in-process client "
                    + "(\(options.concurrency) loops): staple serve \(format(a.rate)) (\(a.stapled)/\(a.count) stapled), "
                    + "nginx \(format(b.rate)) (\(b.stapled)/\(b.count) stapled)"
            )
        }
    }

    if options.proxy {
        let ours = try await ProxyLoad.run(port: serve.port, seconds: Double(options.seconds), concurrency: 4)
        let theirs = try await ProxyLoad.run(port: nginx.port, seconds: Double(options.seconds), concurrency: 4)
        say("")
        say(
            "ratio \(format(ours / theirs, 2))× ours/nginx | 64 KiB responses proxied (keep-alive, TLS 1.3, \(key.displayName)): "
                + "staple serve \(format(ours / 1_048_576, 1)) MiB/s, nginx proxy_pass \(format(theirs / 1_048_576, 1)) MiB/s"
        )
    }
}

say("")
say("| certificate, version | figure | staple serve | nginx | ratio |")
say("|---|---|---|---|---|")
summary.forEach(say)
await backend.stop()
