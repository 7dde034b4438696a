import Foundation
import StapleTestSupport

/// The PKI and responses the corpus names, generated once per test run by `Corpus/make-pki.sh`.
struct Fixture: Sendable {
    /// Where the corpus resources are.
    let corpus: String
    /// A fresh temporary directory for this run.
    let root: String
    /// The PKI directory (`@PKI@`).
    let pki: String
    /// The time the tests lint at: one hour after generation (see make-pki.sh).
    let now: Date

    static let shared: Swift.Result<Fixture, FixtureError> = {
        do {
            return .success(try Fixture())
        } catch let error as FixtureError {
            return .failure(error)
        } catch {
            return .failure(FixtureError(reason: "\(error)"))
        }
    }()

    struct FixtureError: Error, CustomStringConvertible {
        var reason: String
        var description: String { reason }
    }

    static func get() throws -> Fixture { try shared.get() }

    private init() throws {
        guard let resources = Bundle.module.resourceURL?.appendingPathComponent("Corpus").path,
            FileManager.default.fileExists(atPath: resources)
        else { throw FixtureError(reason: "the Corpus resource directory is missing from the test bundle") }
        corpus = resources
        root = FileManager.default.temporaryDirectory.appendingPathComponent("staple-lint-\(UUID().uuidString)").path
        pki = root + "/pki"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let generated = Date()
        let result = try SystemTools.execute("/bin/sh", [corpus + "/make-pki.sh", pki])
        guard result.status == 0 else {
            throw FixtureError(reason: "make-pki.sh failed (\(result.status)): \(result.combined)")
        }
        now = generated.addingTimeInterval(3600)
    }
}
