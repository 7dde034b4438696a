import Foundation
import StapleTestSupport

/// The `staple` executable built next to this test bundle, run as a user runs it.
enum StapleBinary {
    static let url: URL = {
        // The test bundle runs from the build products directory, where `staple` is built too.
        let products = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for candidate in [products, products.deletingLastPathComponent()] {
            let url = candidate.appendingPathComponent("staple")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        return products.appendingPathComponent("staple")
    }()

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
