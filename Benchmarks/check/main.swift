// `staple check -f` against sslyze (`--certinfo --json_out`) and testssl.sh (`-S --jsonfile`) on the
// same fifty loopback endpoints, started here: `staple serve` instances with good staples (from a
// local `openssl ocsp` responder) and one nginx with `server{}` blocks on their own ports whose
// staples are good (`ssl_stapling_file`), missing (`ssl_stapling off`), expired, for another
// certificate, or revoked.
//
//   swift build -c release --product staple --scratch-path .build-release
//   swift run CheckBenchmark --staple .build-release/release/staple [--runs 1] [--keep DIR]
//
// For each tool: wall time and CPU time (user + system of it and every process it waited for,
// from getrusage(RUSAGE_CHILDREN)), then the verdict of each tool per endpoint, mapped to OK,
// WARNING (no staple) or CRITICAL (a staple that must not be trusted), against the expected one.
import Foundation
import StapleTestSupport

#if canImport(Glibc)
    import Glibc
#endif

struct Options {
    var staple = ".build/debug/staple"
    var runs = 1
    var keep: String?
    var skip: Set<String> = []

    init(_ arguments: [String]) {
        var iterator = arguments.dropFirst().makeIterator()
        while let argument = iterator.next() {
            switch argument {
            case "--staple": staple = iterator.next() ?? staple
            case "--runs": runs = Int(iterator.next() ?? "") ?? runs
            case "--keep": keep = iterator.next()
            case "--skip": skip.insert(iterator.next() ?? "")
            default:
                FileHandle.standardError.write(
                    Data("usage: CheckBenchmark [--staple PATH] [--runs N] [--keep DIR] [--skip sslyze|testssl]\n".utf8)
                )
                exit(2)
            }
        }
    }
}

/// What an endpoint serves, and the verdict a checker should give.
enum Kind: String, CaseIterable {
    case serveGood = "serve good"
    case nginxGood = "nginx good"
    case missing = "nginx missing"
    case expired = "nginx expired"
    case foreign = "nginx foreign"
    case revoked = "nginx revoked"

    var count: Int {
        switch self {
        case .serveGood: 10
        case .nginxGood: 10
        case .missing: 8
        case .expired: 8
        case .foreign: 7
        case .revoked: 7
        }
    }

    var expected: String {
        switch self {
        case .serveGood, .nginxGood: "OK"
        case .missing: "WARNING"
        case .expired, .foreign, .revoked: "CRITICAL"
        }
    }
}

struct Endpoint {
    var name: String
    var port: Int
    var kind: Kind
    var target: String { "\(name):\(port)" }
}

struct Measurement {
    var wall: Double
    var cpu: Double
    var status: Int32
}

/// Runs a program to completion, output to `log`, and measures it.
func measure(_ executable: String, _ arguments: [String], log: String, in directory: String) throws -> Measurement {
    var before = rusage()
    getrusage(RUSAGE_CHILDREN.rawValue, &before)
    let start = ContinuousClock.now
    let execution = try SystemTools.execute(executable, arguments, in: directory, outputFile: log)
    let elapsed = ContinuousClock.now - start
    var after = rusage()
    getrusage(RUSAGE_CHILDREN.rawValue, &after)
    func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
    let cpu =
        seconds(after.ru_utime) - seconds(before.ru_utime) + seconds(after.ru_stime) - seconds(before.ru_stime)
    return Measurement(
        wall: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18, cpu: cpu,
        status: execution.status)
}

func json(_ path: String) -> Any? {
    guard let data = FileManager.default.contents(atPath: path) else { return nil }
    return try? JSONSerialization.jsonObject(with: data)
}

// MARK: - Verdicts

/// staple check: the target's status.
func stapleVerdicts(_ path: String) -> [String: String] {
    guard let root = json(path) as? [String: Any], let targets = root["targets"] as? [[String: Any]] else { return [:] }
    var verdicts: [String: String] = [:]
    for target in targets {
        verdicts[target["target"] as? String ?? ""] = (target["status"] as? String ?? "?").uppercased()
    }
    return verdicts
}

/// sslyze: no `ocsp_response` is WARNING; one that is not trusted or says revoked is CRITICAL; else
/// OK. When it could not validate the chain (`ocsp_response_is_trusted` null) only the status counts.
func sslyzeVerdicts(_ path: String) -> [String: String] {
    guard let root = json(path) as? [String: Any], let results = root["server_scan_results"] as? [[String: Any]]
    else { return [:] }
    var verdicts: [String: String] = [:]
    for result in results {
        let location = result["server_location"] as? [String: Any] ?? [:]
        let key = "\(location["hostname"] as? String ?? ""):\(location["port"] as? Int ?? 0)"
        let info =
            ((result["scan_result"] as? [String: Any])?["certificate_info"] as? [String: Any])?["result"]
            as? [String: Any]
        guard let deployments = info?["certificate_deployments"] as? [[String: Any]], !deployments.isEmpty else {
            verdicts[key] = "UNKNOWN"
            continue
        }
        var worst = "OK"
        for deployment in deployments {
            guard let response = deployment["ocsp_response"] as? [String: Any] else {
                if worst == "OK" { worst = "WARNING" }
                continue
            }
            let trusted = deployment["ocsp_response_is_trusted"] as? Bool ?? true
            let status = "\(response["certificate_status"] ?? "")".lowercased()
            if !trusted || status.contains("revoked") { worst = "CRITICAL" }
        }
        verdicts[key] = worst
    }
    return verdicts
}

/// testssl.sh: the worst of its `OCSP_stapling` finding ("not offered" is WARNING, "offered" OK)
/// and its `cert_ocspRevoked` finding (the staple piped through `openssl ocsp`), by testssl's own
/// severity: CRITICAL or HIGH is CRITICAL, WARN, MEDIUM or LOW is WARNING, OK and INFO are OK.
func testsslVerdicts(_ path: String) -> [String: String] {
    guard let items = json(path) as? [[String: Any]] else { return [:] }
    let rank = ["OK": 0, "WARNING": 1, "CRITICAL": 2]
    var verdicts: [String: String] = [:]
    for item in items {
        let host = (item["ip"] as? String ?? "").split(separator: "/").first.map(String.init) ?? ""
        let key = "\(host):\(item["port"] as? String ?? "")"
        let finding = (item["finding"] as? String ?? "").lowercased()
        let severity = (item["severity"] as? String ?? "").uppercased()
        var verdict: String
        switch item["id"] as? String ?? "" {
        case "OCSP_stapling": verdict = finding.contains("not offered") ? "WARNING" : "OK"
        case "cert_ocspRevoked":
            switch severity {
            case "CRITICAL", "HIGH": verdict = "CRITICAL"
            case "WARN", "MEDIUM", "LOW": verdict = "WARNING"
            default: verdict = "OK"
            }
        default: continue
        }
        if rank[verdict]! >= rank[verdicts[key] ?? "OK"]! { verdicts[key] = verdict }
    }
    return verdicts
}

// MARK: - Endpoints

let options = Options(CommandLine.arguments)
let staple = URL(fileURLWithPath: options.staple).standardizedFileURL.path
guard FileManager.default.isExecutableFile(atPath: staple) else {
    FileHandle.standardError.write(Data("no staple executable at \(staple): build it first (see the header)\n".utf8))
    exit(2)
}
let pki = try TestPKI(name: "check-bench")
let directory = options.keep ?? pki.directory
let responderPort = try SystemTools.freePort()
let url = "http://127.0.0.1:\(responderPort)/"
var endpoints: [Endpoint] = []
var leaves: [String: TestPKI.Leaf] = [:]
var number = 0
for kind in Kind.allCases {
    for _ in 0..<kind.count {
        number += 1
        let name = String(format: "ep-%02d.test", number)
        leaves[name] = try pki.issue(commonName: name, fileName: name, ocspURLs: [url], authorityKeyIdentifier: true)
        endpoints.append(Endpoint(name: name, port: try SystemTools.freePort(), kind: kind))
    }
}
let responder = try await OpenSSLResponder(pki: pki, port: responderPort)
// A real HTTP backend: testssl.sh sends a request and waits for an HTTP answer.
let backend = try await TestHTTPServer { _ in .respond(status: 200, headers: [], body: Array("ok".utf8)) }
var serves: [ListeningProcess] = []
for endpoint in endpoints where endpoint.kind == .serveGood {
    let leaf = leaves[endpoint.name]!
    serves.append(
        try await ListeningProcess(
            staple,
            [
                "serve", "--listen", "127.0.0.1:\(endpoint.port)", "--cert", leaf.pemPath, "--key", leaf.keyPath,
                "--backend", "127.0.0.1:\(backend.port)", "--log-level", "error",
            ], port: endpoint.port, logPath: pki.path("serve-\(endpoint.port).log"), stopSignal: SIGTERM))
}
let now = Date()
var blocks: [String] = []
for endpoint in endpoints where endpoint.kind != .serveGood {
    let leaf = leaves[endpoint.name]!
    let file = pki.path("\(endpoint.name).ocsp")
    switch endpoint.kind {
    case .nginxGood: try pki.write(try pki.signedResponse(for: leaf.certificate), to: "\(endpoint.name).ocsp")
    case .expired:
        try pki.write(
            try pki.signedResponse(for: leaf.certificate, thisUpdate: now - 2 * 86_400, nextUpdate: now - 86_400),
            to: "\(endpoint.name).ocsp")
    case .foreign:
        let other = try pki.issue(commonName: "renewed-\(endpoint.name)", writePEM: false, writeIndex: false)
        try pki.write(try pki.signedResponse(for: other.certificate), to: "\(endpoint.name).ocsp")
    case .revoked:
        try pki.write(
            try pki.signedResponse(for: leaf.certificate, status: .revoked(time: try .init(now - 3600), reason: nil)),
            to: "\(endpoint.name).ocsp")
    case .missing, .serveGood: break
    }
    let stapling =
        endpoint.kind == .missing ? "ssl_stapling off;" : "ssl_stapling on;\n        ssl_stapling_file \(file);"
    blocks.append(
        """
            server {
                listen 127.0.0.1:\(endpoint.port) ssl;
                server_name \(endpoint.name);
                ssl_protocols TLSv1.2 TLSv1.3;
                ssl_certificate \(leaf.pemPath);
                ssl_certificate_key \(leaf.keyPath);
                \(stapling)
                return 200 "ok";
            }
        """)
}
let nginxPorts = endpoints.filter { $0.kind != .serveGood }.map(\.port)
let nginx = try await NginxProcess(
    root: pki.path("nginx"), port: nginxPorts[0], workers: 1, http: blocks.joined(separator: "\n"))
for port in nginxPorts { try await Listening.wait(port: port, what: "nginx") }

let targets = endpoints.map(\.target).joined(separator: "\n") + "\n"
try targets.write(toFile: pki.path("targets.txt"), atomically: true, encoding: .utf8)
try endpoints.map { "\($0.name):\($0.port){127.0.0.1}" }.joined(separator: "\n").appending("\n").write(
    toFile: pki.path("sslyze-targets.txt"), atomically: true, encoding: .utf8)
try endpoints.map { "--ip 127.0.0.1 --add-ca \(pki.caPath) -S \($0.target)" }.joined(separator: "\n").appending("\n")
    .write(
        toFile: pki.path("testssl-targets.txt"), atomically: true, encoding: .utf8)

// MARK: - Runs

struct Tool {
    var name: String
    var executable: String
    var arguments: (Int) -> [String]
    var output: (Int) -> String
    var verdicts: (String) -> [String: String]
}

let tools: [Tool] = [
    Tool(
        name: "staple check", executable: staple,
        arguments: { _ in
            ["check", "-f", pki.path("targets.txt"), "--connect", "127.0.0.1", "--ca-file", pki.caPath, "--json"]
        }, output: { pki.path("staple-\($0).log") }, verdicts: { stapleVerdicts($0) }),
    Tool(
        name: "sslyze", executable: "sslyze",
        arguments: { run in
            [
                "--certinfo", "--certinfo_ca_file", pki.caPath, "--targets_in", pki.path("sslyze-targets.txt"),
                "--json_out", pki.path("sslyze-\(run).json"), "--quiet",
            ]
        }, output: { pki.path("sslyze-\($0).json") }, verdicts: { sslyzeVerdicts($0) }),
    Tool(
        name: "testssl.sh", executable: "testssl",
        arguments: { run in
            [
                "--file", pki.path("testssl-targets.txt"), "--parallel", "--jsonfile", pki.path("testssl-\(run).json"),
                "--warnings", "off", "--color", "0",
            ]
        }, output: { pki.path("testssl-\($0).json") }, verdicts: { testsslVerdicts($0) }),
].filter {
    !options.skip.contains($0.name)
        && !options.skip.contains($0.name.split(separator: " ").first.map(String.init) ?? "")
}

var verdicts: [String: [String: String]] = [:]
var measured: [String: (wall: Double, right: Double)] = [:]
print("\(endpoints.count) endpoints: " + Kind.allCases.map { "\($0.count) \($0.rawValue)" }.joined(separator: ", "))
print("")
print("| tool | wall (s, median of \(options.runs)) | CPU (s, user+sys, median) | right |")
print("|---|---|---|---|")
for tool in tools {
    var walls: [Double] = []
    var cpus: [Double] = []
    for run in 1...options.runs {
        try? FileManager.default.removeItem(atPath: tool.output(run))
        let log = tool.name == "staple check" ? tool.output(run) : pki.path("\(tool.name)-\(run).log")
        let measurement = try measure(tool.executable, tool.arguments(run), log: log, in: pki.directory)
        walls.append(measurement.wall)
        cpus.append(measurement.cpu)
        if run == 1 { verdicts[tool.name] = tool.verdicts(tool.output(run)) }
    }
    let right = endpoints.filter { verdicts[tool.name]?[$0.target] == $0.kind.expected }.count
    func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
    measured[tool.name] = (median(walls), Double(right))
    print(
        "| \(tool.name) | \(String(format: "%.2f", median(walls))) | \(String(format: "%.2f", median(cpus))) | "
            + "\(right)/\(endpoints.count) |")
}
print("")
print("| endpoint | serves | expected | " + tools.map(\.name).joined(separator: " | ") + " |")
print("|---|---|---|" + String(repeating: "---|", count: tools.count))
for endpoint in endpoints {
    let cells = tools.map { tool -> String in
        let verdict = verdicts[tool.name]?[endpoint.target] ?? "(none)"
        return verdict == endpoint.kind.expected ? "\(verdict) ✓" : "\(verdict) ✗"
    }
    print(
        "| \(endpoint.name) | \(endpoint.kind.rawValue) | \(endpoint.kind.expected) | " + cells.joined(separator: " | ")
            + " |")
}
if let ours = measured["staple check"] {
    for (name, theirs) in measured where name != "staple check" {
        BenchmarkResult(
            benchmark: "check", metric: "\(endpoints.count) endpoints, wall time", staple: ours.wall, peer: theirs.wall,
            peerName: name, unit: "s", higherIsBetter: false
        ).emit()
        BenchmarkResult(
            benchmark: "check", metric: "\(endpoints.count) endpoints, right verdicts", staple: ours.right,
            peer: theirs.right, peerName: name, unit: "verdicts", higherIsBetter: true
        ).emit()
    }
}
nginx.stop()
for serve in serves { serve.stop() }
responder.stop()
await backend.stop()
if options.keep == nil { pki.remove() } else { print("\nfiles kept in \(pki.directory)") }
