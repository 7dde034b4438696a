import Foundation

/// Polls `condition` every 20 ms until it holds or `seconds` pass; returns whether it held.
///
/// For conditions that a test cannot await directly (a file rewritten by another process, an
/// answer that must change). The bound is generous: it is there to end a broken run, not to time
/// the code under test.
package func eventually(within seconds: Double = 10, _ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return try await condition()
}
