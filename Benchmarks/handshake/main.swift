// `staple serve` against nginx 1.22 on the same machine, certificate, staple and load client:
//
//   swift build -c release --product staple && swift build -c release --product HandshakeBenchmark
//   .build/release/HandshakeBenchmark --staple .build/release/staple [--seconds 5] [--concurrency 16]
//
// 1. New TLS handshakes per second with status requested (ECDSA P-256; TLS 1.3 and TLS 1.2), by a
//    load client built on Staple's own client role, which requests a staple and checks that every
//    handshake was stapled. `openssl s_time` and h2load never request status.
// 2. The same without status requests, measured with `openssl s_time -new` against both.
// 3. Bytes per second of a 64 KiB response, proxied by `staple serve` and by nginx `proxy_pass`,
//    over keep-alive connections.
// Both servers get two worker threads (nginx: 2 worker processes; staple: 2 event loops on 2 cores).
import Foundation
import NIOCore
import NIOPosix
import TLSStapling

struct Options {
    var staple = ".build/release/staple"
    var seconds = 5.0
    var concurrency = 16

    init(_ arguments: [String]) {
        var iterator = arguments.dropFirst().makeIterator()
        while let argument = iterator.next() {
            switch argument {
            case "--staple": staple = iterator.next() ?? staple
            case "--seconds": seconds = Double(iterator.next() ?? "") ?? seconds
            case "--concurrency": concurrency = Int(iterator.next() ?? "") ?? concurrency
            default: fatalError("unknown argument \(argument)")
            }
        }
    }
}

/// Prints a line unbuffered, so progress shows when the output is redirected.
func say(_ line: String) { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }

let options = Options(CommandLine.arguments)
let fixture = try BenchFixture()
defer { fixture.remove() }
let backend = try await BenchBackend.start()
let nginx = try await startNginx(fixture: fixture, backendPort: backend.port)
defer { nginx.stop() }
let serve = try await startServe(executable: options.staple, fixture: fixture, backendPort: backend.port)
defer { serve.stop() }

say(
    "Staple serve vs nginx 1.22: \(options.seconds) s per measurement (handshakes: best of 3 alternating rounds), \(options.concurrency) concurrent client loops, 2 cores"
)
say("")
say("New handshakes per second, status requested (every handshake checked for a staple):")
say("version | staple serve | nginx  | ratio | stapled (staple / nginx)")
for version in [TLSVersion.tls13, .tls12] {
    // Best of 3 alternating rounds each: the load client shares the 2 cores, so single runs are noisy.
    var ours = HandshakeLoad.Result(count: 0, stapled: 0, rate: 0)
    var theirs = ours
    for _ in 0..<3 {
        let a = try await HandshakeLoad.run(
            port: serve.port, version: version, seconds: options.seconds, concurrency: options.concurrency)
        let b = try await HandshakeLoad.run(
            port: nginx.port, version: version, seconds: options.seconds, concurrency: options.concurrency)
        if a.rate > ours.rate { ours = a }
        if b.rate > theirs.rate { theirs = b }
    }
    say(
        "\(version == .tls13 ? "TLS 1.3" : "TLS 1.2") | \(String(format: "%12.0f", ours.rate)) | \(String(format: "%6.0f", theirs.rate)) | "
            + "\(String(format: "%.2f", ours.rate / theirs.rate))× | \(ours.stapled)/\(ours.count) / \(theirs.stapled)/\(theirs.count)"
    )
}
say("")
say("New handshakes per second without status requests (openssl s_time -new, TLS 1.3):")
let oursPlain = try STime.connectionsPerSecond(port: serve.port, seconds: Int(options.seconds))
let theirsPlain = try STime.connectionsPerSecond(port: nginx.port, seconds: Int(options.seconds))
say(
    "staple serve \(String(format: "%.0f", oursPlain)) | nginx \(String(format: "%.0f", theirsPlain)) | ratio \(String(format: "%.2f", oursPlain / theirsPlain))×"
)
say("")
say("64 KiB responses proxied (keep-alive, TLS 1.3):")
let oursBytes = try await ProxyLoad.run(port: serve.port, seconds: options.seconds, concurrency: 4)
let theirsBytes = try await ProxyLoad.run(port: nginx.port, seconds: options.seconds, concurrency: 4)
say(
    "staple serve \(String(format: "%.1f", oursBytes / 1_048_576)) MiB/s | nginx proxy_pass \(String(format: "%.1f", theirsBytes / 1_048_576)) MiB/s | "
        + "ratio \(String(format: "%.2f", oursBytes / theirsBytes))×"
)
await backend.stop()
