import Foundation
import Stapling

/// `directory:`: writes `<name>.der` for any other consumer, atomically; removes it on withdrawal.
package struct DirectoryOutput: StapleOutput {
    package let path: String
    package var kind: String { "directory" }
    package var description: String { "directory \(path)" }

    package init(directory: String, site: String) {
        self.path = (directory as NSString).appendingPathComponent("\(site).der")
    }

    package func install(_ update: SiteStaple) async throws -> OutputOutcome {
        guard let staple = update.staple else {
            guard FileManager.default.fileExists(atPath: path) else { return .unchanged }
            try FileManager.default.removeItem(atPath: path)
            return .withdrawn
        }
        if let existing = FileManager.default.contents(atPath: path), Array(existing) == staple.bytes {
            return .unchanged
        }
        try AtomicFile.write(staple.bytes, to: path)
        return .installed
    }

    package func flush() async throws {}
}
