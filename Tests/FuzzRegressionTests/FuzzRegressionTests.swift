import Foundation
import FuzzChecks
import Testing

/// Replays every input committed under `Fuzz/regressions/<target>/` (findings of the fuzzer, fixed,
/// and hand-made hostile inputs), and the inputs each target generates to seed the fuzzer, through
/// the same invariant checks the fuzzer runs (``FuzzTarget/check(_:)``).
@Suite("fuzz regressions")
struct FuzzRegressionTests {
    static let regressions = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fuzz/regressions")

    static func inputs(_ target: FuzzTarget) -> [(String, [UInt8])] {
        let directory = regressions.appendingPathComponent(target.rawValue)
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [])
            .filter { !$0.hasPrefix(".") && $0 != "README.md" }.sorted()
        return names.compactMap { name in
            FileManager.default.contents(atPath: directory.appendingPathComponent(name).path).map {
                ("\(target.rawValue)/\(name)", [UInt8]($0))
            }
        }
    }

    @Test("every committed regression input keeps the invariants", arguments: FuzzTarget.allCases)
    func committed(target: FuzzTarget) throws {
        target.prepare()
        let inputs = Self.inputs(target)
        #expect(!inputs.isEmpty, "Fuzz/regressions/\(target.rawValue) holds at least one input")
        for (name, bytes) in inputs {
            #expect(throws: Never.self, "\(name)") { try target.check(bytes) }
        }
    }

    @Test("the generated seeds keep the invariants", arguments: FuzzTarget.allCases)
    func generated(target: FuzzTarget) throws {
        target.prepare()
        for (number, seed) in target.generatedSeeds().enumerated() {
            #expect(throws: Never.self, "\(target.rawValue) seed \(number)") { try target.check(seed) }
        }
    }
}
