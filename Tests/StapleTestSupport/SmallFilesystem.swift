import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A tiny tmpfs mounted for one test, to make a disk full or read-only for real (root or
/// CAP_SYS_ADMIN only). Always ``unmount()`` it in a `defer`.
package final class SmallFilesystem: Sendable {
    /// The mount point (an empty temporary directory before the mount).
    package let path: String

    /// Why disk-fault tests are skipped outside CI when mounting is impossible.
    package static let unavailableReason =
        "needs to mount a tmpfs (run as root, or with CAP_SYS_ADMIN); under CI=true it fails instead"

    /// Whether disk-fault tests run: always under CI (where a failed mount fails the test), otherwise
    /// when a probe mount succeeds.
    package static let testsEnabled: Bool = SystemTools.isCI || probe()

    /// Mounts a tmpfs of `kibibytes` KiB on a new temporary directory.
    package init(kibibytes: Int = 64) throws {
        path = try TemporaryDirectory.make(prefix: "small-fs")
        let result = try SystemTools.execute("mount", ["-t", "tmpfs", "-o", "size=\(kibibytes)k,mode=0755", "tmpfs", path])
        guard result.status == 0 else {
            try? FileManager.default.removeItem(atPath: path)
            throw ToolError(description: "mount -t tmpfs on \(path) failed (\(Self.unavailableReason)): \(result)")
        }
    }

    /// Fills the file system to the last byte with `<path>/filler` (ENOSPC), and returns how many
    /// bytes that took. Creating a file may still succeed afterwards; writing any data fails.
    @discardableResult
    package func fill() throws -> Int {
        let fd = open("\(path)/filler", O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw ToolError(description: "open \(path)/filler: errno \(errno)") }
        defer { close(fd) }
        let chunk = [UInt8](repeating: 0x55, count: 512)
        var total = 0
        // Bounded: a 64 KiB file system is full after 128 chunks; the bound only guards a mistake.
        for _ in 0..<1_000_000 {
            let written = chunk.withUnsafeBytes { write(fd, $0.baseAddress!, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                guard errno == ENOSPC else { throw ToolError(description: "write \(path)/filler: errno \(errno)") }
                // One more byte, in case a partial chunk fit.
                var byte: UInt8 = 0
                while write(fd, &byte, 1) == 1 { total += 1 }
                return total
            }
            total += written
        }
        throw ToolError(description: "\(path) did not fill up")
    }

    /// Remounts the file system read-only (its files stay readable).
    package func remountReadOnly() throws {
        try SystemTools.run("mount", ["-o", "remount,ro", path])
    }

    /// The names in the file system other than `filler`.
    package func entries() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).filter { $0 != "filler" }.sorted()
    }

    /// Unmounts (lazily, so a process still holding a file cannot keep it mounted) and removes the
    /// mount point.
    package func unmount() {
        _ = try? SystemTools.execute("umount", ["-l", path])
        try? FileManager.default.removeItem(atPath: path)
    }

    private static func probe() -> Bool {
        guard let filesystem = try? SmallFilesystem(kibibytes: 4) else { return false }
        filesystem.unmount()
        return true
    }
}
