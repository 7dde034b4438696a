import Foundation

/// A process whose wall clock is shifted, through libfaketime (Debian's `faketime`), for tests of
/// nodes whose clocks differ. Only the wall clock moves: the monotonic clock that timers use stays.
package enum ShiftedClock {
    /// The multi-threaded variant: staple's processes run many threads.
    package static let library = "/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1"

    package static let missingReason =
        "needs libfaketime (apt-get install faketime) to shift a node's clock; under CI=true it fails instead"

    /// Whether the library is installed. An `LD_PRELOAD` of a missing library is ignored with a
    /// warning, so a test must check this rather than trust the shifted process.
    package static var isInstalled: Bool { FileManager.default.fileExists(atPath: library) }

    /// The environment that starts a process with its wall clock `seconds` ahead (negative: behind).
    package static func environment(shiftedBy seconds: Int) -> [String: String] {
        // FAKETIME_SHARED names the `faketime` program's shared state. Without it (libfaketime
        // 0.9.10 here) a Swift program sees `CommandLine.arguments` empty; with it, set as the
        // `faketime` program sets it, the arguments arrive. Names that do not exist are fine: the
        // nodes share no fake time, each has its own fixed shift.
        [
            "LD_PRELOAD": library, "FAKETIME": seconds >= 0 ? "+\(seconds)s" : "\(seconds)s",
            "FAKETIME_DONT_FAKE_MONOTONIC": "1", "FAKETIME_SHARED": "/staple-none /staple-none",
        ]
    }
}
