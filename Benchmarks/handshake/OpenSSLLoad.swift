import Foundation
import StapleTestSupport
import TLSStapling

/// Load from OpenSSL's own clients, several of them in parallel, each a separate process.
enum OpenSSLLoad {
    /// `-tls1_3` or `-tls1_2`.
    static func flag(_ version: TLSVersion) -> String { version == .tls13 ? "-tls1_3" : "-tls1_2" }

    /// What some parallel loops did.
    struct Outcome {
        var handshakes: Int
        /// Handshakes that got a staple (`OCSP Response Status: successful`); equal to `handshakes`
        /// for loads that do not request status.
        var stapled: Int
        var seconds: Double
        var rate: Double { Double(handshakes) / seconds }
    }

    /// `loops` shell loops in parallel, each running `openssl s_client -status` `count` times (connect,
    /// full handshake requesting status, stdin at EOF so it closes at once); counts the stapled ones.
    static func statusLoops(port: Int, version: TLSVersion, loops: Int, count: Int) throws -> Outcome {
        let command = """
            n=0; i=0
            while [ $i -lt \(count) ]; do
              if openssl s_client -connect 127.0.0.1:\(port) -servername bench.test -status \(flag(version)) \
                 </dev/null 2>/dev/null | grep -q 'OCSP Response Status: successful'; then n=$((n+1)); fi
              i=$((i+1))
            done
            echo $n
            """
        let outputs = try parallel(loops) { try SystemTools.run("/bin/sh", ["-c", command]) }
        let stapled = outputs.results.reduce(0) { $0 + (Int($1.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0) }
        return Outcome(handshakes: loops * count, stapled: stapled, seconds: outputs.seconds)
    }

    /// `clients` `openssl s_time -new` in parallel for `seconds`: full handshakes, no status request.
    static func sTime(port: Int, version: TLSVersion, clients: Int, seconds: Int) throws -> Outcome {
        let outputs = try parallel(clients) {
            try SystemTools.run(
                "openssl",
                ["s_time", "-connect", "127.0.0.1:\(port)", "-new", flag(version), "-time", "\(max(1, seconds))"])
        }
        var count = 0
        for output in outputs.results { count += try connections(in: output) }
        return Outcome(handshakes: count, stapled: count, seconds: outputs.seconds)
    }

    /// The connection count of s_time's summary: "1234 connections in 6 real seconds, ...".
    static func connections(in output: String) throws -> Int {
        guard
            let line = output.split(separator: "\n").first(where: {
                $0.contains("connections in") && $0.contains("real seconds")
            }),
            let count = Int(line.split(separator: " ")[0])
        else {
            throw ToolError(description: "openssl s_time printed no summary: \(output)")
        }
        return count
    }

    /// Runs `body` on `count` threads at once; returns their results and the wall time until the last ended.
    static func parallel(_ count: Int, _ body: @escaping @Sendable () throws -> String) throws -> (
        results: [String], seconds: Double
    ) {
        let results = Results(count: count)
        let group = DispatchGroup()
        let start = Date()
        for index in 0..<count {
            group.enter()
            Thread.detachNewThread {
                results.set(index, Result { try body() })
                group.leave()
            }
        }
        group.wait()
        let seconds = Date().timeIntervalSince(start)
        return (try results.all(), seconds)
    }

    /// Results written by several threads.
    final class Results: @unchecked Sendable {
        // @unchecked: `values` is only touched under `lock`.
        private let lock = NSLock()
        private var values: [Result<String, any Error>?]
        init(count: Int) { values = Array(repeating: nil, count: count) }
        func set(_ index: Int, _ value: Result<String, any Error>) { lock.withLock { values[index] = value } }
        func all() throws -> [String] { try lock.withLock { try values.map { try $0!.get() } } }
    }
}
