import Foundation

/// One figure of a benchmark against its peer, printed as the line `Benchmarks/run` collects:
/// `RESULT {"benchmark": ..., "metric": ..., "staple": X, "peer": Y, ...}`.
package struct BenchmarkResult: Codable, Sendable {
    package var benchmark: String
    package var metric: String
    package var staple: Double
    package var peer: Double
    package var peerName: String
    package var unit: String
    /// Whether a larger value is better (a rate) or a smaller one (time, CPU, memory).
    package var higherIsBetter: Bool

    package init(
        benchmark: String, metric: String, staple: Double, peer: Double, peerName: String, unit: String,
        higherIsBetter: Bool
    ) {
        self.benchmark = benchmark
        self.metric = metric
        self.staple = staple
        self.peer = peer
        self.peerName = peerName
        self.unit = unit
        self.higherIsBetter = higherIsBetter
    }

    /// Above 1 when Staple does better than the peer.
    package var ratio: Double {
        guard staple > 0, peer > 0 else { return .nan }
        return higherIsBetter ? staple / peer : peer / staple
    }

    /// Prints the `RESULT` line, in order with the benchmark's other output.
    package func emit() {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(self), let json = String(data: data, encoding: .utf8) else { return }
        print("RESULT \(json)")
    }
}
