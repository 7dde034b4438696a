import ConfigLint
import Foundation
import StapleTestSupport
import Testing

/// Random truncations and byte changes of the corpus configurations never crash or hang the
/// parsers: each mutant lints to a report or to a clear failure.
@Suite("Mutation")
struct MutationTests {
    static let interesting: [UInt8] = Array("{};\"'\\#<>/\n \t$*[]".utf8) + [0x00, 0xFF, 0xC3]
    static let iterations = 150

    static func mutate(_ bytes: [UInt8], _ rng: inout SplitMix64) -> [UInt8] {
        var bytes = bytes
        for _ in 0..<Int.random(in: 1...4, using: &rng) {
            guard !bytes.isEmpty else { break }
            let position = Int.random(in: 0..<bytes.count, using: &rng)
            switch Int.random(in: 0..<5, using: &rng) {
            case 0: bytes.removeSubrange(position...)
            case 1: bytes[position] = UInt8.random(in: 0...255, using: &rng)
            case 2: bytes.insert(interesting.randomElement(using: &rng)!, at: position)
            case 3: bytes.remove(at: position)
            default:
                let end = min(bytes.count, position + Int.random(in: 1...64, using: &rng))
                bytes.insert(contentsOf: bytes[position..<end], at: position)
            }
        }
        return bytes
    }

    @Test(arguments: CorpusCase.all)
    func mutantsNeverCrash(_ corpusCase: CorpusCase) throws {
        let fixture = try Fixture.get()
        let prepared = try corpusCase.prepare(fixture)
        let files = (FileManager.default.enumerator(atPath: prepared.directory)?.allObjects as? [String] ?? [])
            .filter { $0.hasSuffix(".conf") || $0.hasSuffix(".cfg") || $0.hasSuffix(".txt") }
            .filter { !$0.hasPrefix("run/") }
            .map { prepared.directory + "/" + $0 }
        // Seeded from the case name (not hashValue, which changes per process) so failures replay.
        var rng = SplitMix64(
            state: corpusCase.description.utf8.reduce(0xCBF2_9CE4_8422_2325) { ($0 ^ UInt64($1)) &* 0x100_0000_01B3 })
        var outcomes = (reports: 0, failures: 0)
        for iteration in 0..<Self.iterations {
            let target = files[iteration % files.count]
            let original = try Array(Data(contentsOf: URL(fileURLWithPath: target)))
            try Data(Self.mutate(original, &rng)).write(to: URL(fileURLWithPath: target))
            let report = Linter(now: fixture.now).lint(paths: [prepared.mainFile], as: corpusCase.server)
            if report.failures.isEmpty {
                outcomes.reports += 1
            } else {
                outcomes.failures += 1
                // A failure is named: a file and a reason.
                #expect(report.failures.allSatisfy { !$0.location.file.isEmpty && !$0.reason.isEmpty })
                #expect(report.grade == .unlintable)
            }
            _ = TextReporter.render(report) + JSONReporter.render(report, exitCode: 3) + SARIFReporter.render(report)
            try Data(original).write(to: URL(fileURLWithPath: target))
        }
        #expect(outcomes.reports + outcomes.failures == Self.iterations)
    }
}
