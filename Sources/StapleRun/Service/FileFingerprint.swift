import Foundation
import OCSPCore

#if canImport(Glibc)
    import Glibc
#endif

/// What renewal polling compares for one file: the cheap `stat` facts first (modification time,
/// inode, size; a certbot renewal re-points a symlink, so the inode changes), then the content's
/// SHA-256 when they differ, so that a `touch` is not a renewal.
package struct FileFingerprint: Sendable, Hashable {
    /// `stat` facts of a file, following symlinks.
    package struct Stat: Sendable, Hashable {
        package var modificationSeconds: Int
        package var modificationNanoseconds: Int
        package var inode: UInt64
        package var size: Int64

        /// The facts of `path` now; nil when it cannot be stat'ed.
        package static func of(_ path: String) -> Stat? {
            statFacts(path)
        }
    }

    package var path: String
    package var stat: Stat?
    /// SHA-256 of the content, in hex.
    package var digest: String

    /// - Parameter stat: taken before `bytes` were read, so that a change in between is seen next time.
    package init(path: String, stat: Stat?, bytes: [UInt8]) {
        self.path = path
        self.stat = stat
        self.digest = OCSPHashAlgorithm.sha256.digest(bytes).hexString
    }

    /// The digest of `bytes`, comparable with ``digest``.
    package static func digest(of bytes: [UInt8]) -> String {
        OCSPHashAlgorithm.sha256.digest(bytes).hexString
    }
}

/// stat(2) of `path` (symlinks followed), outside the types whose members are named `stat`.
private func statFacts(_ path: String) -> FileFingerprint.Stat? {
    var info = stat()
    guard stat(path, &info) == 0 else { return nil }
    return FileFingerprint.Stat(
        modificationSeconds: Int(info.st_mtim.tv_sec), modificationNanoseconds: Int(info.st_mtim.tv_nsec),
        inode: UInt64(info.st_ino), size: Int64(info.st_size))
}
