import Foundation
import StapleTestSupport

/// The `staple` executable built next to this test bundle, run as a user runs it.
enum StapleBinary {
    static let url = URL(fileURLWithPath: SystemTools.stapleBinary)

    static let corpora: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("shared/corpora")

    static func run(_ arguments: [String], executable: URL = url) throws -> SystemTools.Execution {
        try SystemTools.execute(executable.path, arguments, in: corpora.path)
    }

    static func openssl(_ arguments: [String]) throws -> SystemTools.Execution {
        try SystemTools.execute("openssl", arguments, in: corpora.path)
    }
}
