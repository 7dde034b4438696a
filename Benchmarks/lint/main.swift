// `staple lint` against `nginx -t` (or `apache2 -t`) on the same generated tree, in the same run.
//
//   swift build -c release --scratch-path .build-lint-release
//   .build-lint-release/release/LintBenchmark [--servers 5000] [--files 500] [--runs 3] [--keep DIR] [--apache]
//
// With `--apache` the tree is an Apache one instead: apache2.conf (ServerRoot, the MPM and mod_ssl
// loaded, a server-wide SSLStaplingCache) + FILES included files (`IncludeOptional sites/*.conf`)
// holding SERVERS `<VirtualHost>` blocks with `SSLEngine on`, `SSLUseStapling On`, the same
// certificates and keys; `apache2 -t -d ROOT -f ROOT/apache2.conf` is the server's check.
//
// Generates nginx.conf + FILES included files (`include sites/*.conf;`) holding SERVERS server
// blocks, each with its own certificate (leaf + intermediate, P-256, with an OCSP URL) and key,
// `ssl_stapling on`, `ssl_stapling_verify on` and a shared `ssl_trusted_certificate`; one
// certificate in ten has no OCSP URL, so the linter has findings to report. Then runs
// the linter (see below) and `nginx -t` RUNS times
// each under /usr/bin/time, and prints the median wall time and the largest maximum RSS.
//
// The lint side runs this binary as `LintBenchmark --lint CONFIG`: the same ConfigLint code and
// JSON output as `staple lint --nginx --json CONFIG` (the command is a thin wrapper), without
// building the whole `staple` product in release mode. `--staple PATH` measures a `staple`
// binary instead.
import ConfigLint
import Foundation
import StapleTestSupport

struct Options {
    var servers = 5_000
    var files = 500
    var runs = 3
    var keep: String?
    var staple: String?
    var apache = false

    init(_ arguments: [String]) {
        var iterator = arguments.dropFirst().makeIterator()
        while let argument = iterator.next() {
            switch argument {
            case "--servers": servers = Int(iterator.next() ?? "") ?? servers
            case "--files": files = Int(iterator.next() ?? "") ?? files
            case "--runs": runs = Int(iterator.next() ?? "") ?? runs
            case "--keep": keep = iterator.next()
            case "--staple": staple = iterator.next()
            case "--apache": apache = true
            case "--lint", "--lint-apache":
                // Child mode: lint one configuration as `staple lint --nginx|--apache --json` does.
                let server: ServerKind = argument == "--lint" ? .nginx : .apache
                let report = Linter(now: Date()).lint(paths: [iterator.next() ?? ""], as: server)
                let status: Int32 = [.clean: 0, .warnings: 1, .errors: 2, .unlintable: 3][report.grade] ?? 3
                print(JSONReporter.render(report, exitCode: status), terminator: "")
                exit(status)
            default:
                FileHandle.standardError.write(
                    Data("usage: LintBenchmark [--servers N] [--files N] [--runs N] [--keep DIR] [--apache]\n".utf8))
                exit(2)
            }
        }
    }
}

func write(_ text: String, _ path: String) throws {
    try text.write(toFile: path, atomically: false, encoding: .utf8)
}

func generate(_ options: Options, into root: String) throws {
    let manager = FileManager.default
    for directory in ["sites", "certs", "run/tmp"] {
        try manager.createDirectory(atPath: root + "/" + directory, withIntermediateDirectories: true)
    }
    let pki = try TestPKI(name: "lint-bench", validFor: 86_400 * 3650)
    let intermediate = try pki.intermediate(name: "intermediate")
    defer { pki.remove() }
    let intermediatePEM = TestPKI.pem(intermediate.ca)
    try write(intermediate.chainPEM, root + "/certs/ca-bundle.pem")

    let perFile = (options.servers + options.files - 1) / options.files
    var server = 0
    for file in 0..<options.files {
        var text = "# generated: servers \(server) to \(min(options.servers, server + perFile) - 1)\n"
        for _ in 0..<perFile where server < options.servers {
            // One certificate in ten has no OCSP URL: the linter reports no-ocsp-url there.
            let leaf = try intermediate.issue(
                commonName: "s\(server).bench.test", ocspURLs: server % 10 != 9 ? ["http://127.0.0.1:8888/"] : [],
                validFor: 86_400 * 90, writePEM: false, writeIndex: false)
            try write(leaf.pem + intermediatePEM, root + "/certs/s\(server).pem")
            try write(leaf.keyPEM, root + "/certs/s\(server).key")
            text +=
                options.apache
                ? """
                <VirtualHost 127.0.0.1:10443>
                    ServerName s\(server).bench.test
                    SSLEngine on
                    SSLCertificateFile certs/s\(server).pem
                    SSLCertificateKeyFile certs/s\(server).key
                    SSLUseStapling On
                </VirtualHost>

                """
                : """
                server {
                    listen 127.0.0.1:10443 ssl;
                    server_name s\(server).bench.test;
                    ssl_certificate certs/s\(server).pem;
                    ssl_certificate_key certs/s\(server).key;
                    location / { return 200 "s\(server)\\n"; }
                }

                """
            server += 1
        }
        try write(text, root + "/sites/\(String(format: "%04d", file)).conf")
    }
    if options.apache {
        try write(
            """
            ServerRoot "\(root)"
            ServerName localhost
            ErrorLog \(root)/run/error.log
            PidFile \(root)/run/apache2.pid
            LoadModule mpm_event_module /usr/lib/apache2/modules/mod_mpm_event.so
            LoadModule socache_shmcb_module /usr/lib/apache2/modules/mod_socache_shmcb.so
            LoadModule ssl_module /usr/lib/apache2/modules/mod_ssl.so
            Listen 127.0.0.1:10443
            SSLStaplingCache "shmcb:\(root)/run/ssl_stapling(128000)"
            SSLStaplingReturnResponderErrors off
            SSLStaplingResponderTimeout 5
            IncludeOptional sites/*.conf

            """, root + "/apache2.conf"
        )
        return
    }
    try write(
        """
        pid \(root)/run/nginx.pid;
        error_log \(root)/run/error.log;
        events { worker_connections 1024; }
        http {
            access_log off;
            client_body_temp_path \(root)/run/tmp/body;
            proxy_temp_path \(root)/run/tmp/proxy;
            fastcgi_temp_path \(root)/run/tmp/fastcgi;
            uwsgi_temp_path \(root)/run/tmp/uwsgi;
            scgi_temp_path \(root)/run/tmp/scgi;
            ssl_protocols TLSv1.2 TLSv1.3;
            resolver 127.0.0.1;
            resolver_timeout 5s;
            ssl_stapling on;
            ssl_stapling_verify on;
            ssl_trusted_certificate certs/ca-bundle.pem;
            include sites/*.conf;
        }

        """, root + "/nginx.conf"
    )
}

struct Measurement {
    var seconds: Double
    var maxRSSKiB: Int
    var status: Int32
    var output: String
}

/// Runs a command under GNU time: wall seconds and maximum resident set size.
///
/// Output goes to files, not pipes: nginx writes a warning per certificate, and a full pipe that
/// nobody reads would block it.
func measure(_ command: [String], scratch: String) throws -> Measurement {
    let timing = scratch + "/time.txt"
    let run = try SystemTools.execute(
        "/usr/bin/time", ["-o", timing, "-f", "%e %M"] + command, outputFile: scratch + "/output.txt")
    let parts =
        ((try? String(contentsOfFile: timing, encoding: .utf8)) ?? "")
        .split(separator: "\n").last { $0.first?.isNumber == true }?.split(separator: " ") ?? []
    guard parts.count == 2 else { throw ToolError(description: "no timing from /usr/bin/time") }
    // GNU time exits with the command's status; keep it for the report.
    return Measurement(
        seconds: Double(parts[0]) ?? 0, maxRSSKiB: Int(parts[1]) ?? 0, status: run.status, output: run.stdout)
}

func summary(_ name: String, _ runs: [Measurement]) -> String {
    let sorted = runs.map(\.seconds).sorted()
    let median = sorted[sorted.count / 2]
    let rss = runs.map(\.maxRSSKiB).max() ?? 0
    return "\(name.padding(toLength: 26, withPad: " ", startingAt: 0)) median \(String(format: "%6.2f", median)) s "
        + "(runs: \(sorted.map { String(format: "%.2f", $0) }.joined(separator: ", "))), max RSS \(rss / 1024) MiB, exit \(runs.last?.status ?? -1)"
}

let options = Options(CommandLine.arguments)
let root =
    options.keep
    ?? FileManager.default.temporaryDirectory.appendingPathComponent("staple-lint-bench-\(UUID().uuidString)").path
try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
let started = Date()
try generate(options, into: root)
print(
    "generated \(options.servers) servers in \(options.files) files under \(root) in \(String(format: "%.1f", Date().timeIntervalSince(started))) s"
)

let serverFlag = options.apache ? "--apache" : "--nginx"
let lintCommand =
    options.staple.map { [$0, "lint", serverFlag, "--json"] }
    ?? [CommandLine.arguments[0], options.apache ? "--lint-apache" : "--lint"]
let (checkerName, mainFile) = options.apache ? ("apache2", root + "/apache2.conf") : ("nginx", root + "/nginx.conf")
let checker = SystemTools.which(checkerName)

var lintRuns: [Measurement] = []
var checkerRuns: [Measurement] = []
for _ in 0..<options.runs {
    lintRuns.append(try measure(lintCommand + [mainFile], scratch: root + "/run"))
    if let checker {
        let check =
            options.apache
            ? [checker, "-t", "-d", root, "-f", mainFile]
            : [checker, "-t", "-q", "-p", root + "/run", "-e", root + "/run/error.log", "-c", mainFile]
        checkerRuns.append(try measure(check, scratch: root + "/run"))
    }
}
let findings = lintRuns.last.map { $0.output.components(separatedBy: "\"rule\" : ").count - 1 } ?? 0
print(summary("staple lint (ConfigLint)", lintRuns) + ", \(findings) findings")
if checker != nil {
    print(summary("\(checkerName) -t", checkerRuns))
    func median(_ runs: [Measurement]) -> Double { runs.map(\.seconds).sorted()[runs.count / 2] }
    let subject = options.apache ? "Apache" : "nginx"
    BenchmarkResult(
        benchmark: "lint", metric: "\(options.servers) \(subject) sites, wall time", staple: median(lintRuns),
        peer: median(checkerRuns), peerName: "\(checkerName) -t", unit: "s", higherIsBetter: false
    ).emit()
} else {
    print("\(checkerName) -t skipped: \(checkerName) is not installed (apt-get install \(checkerName))")
}
if options.keep == nil { try? FileManager.default.removeItem(atPath: root) }
