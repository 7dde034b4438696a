import OCSPCore
import StapleFiles

/// What renewal polling compares for one file: its ``FileStamp`` first (modification time, inode,
/// size; a certbot renewal re-points a symlink, so the inode changes), then the content's SHA-256
/// when the stamps differ, so that a `touch` is not a renewal.
package struct FileFingerprint: Sendable, Hashable {
    package var path: String
    package var stamp: FileStamp?
    /// SHA-256 of the content, in hex.
    package var digest: String

    /// - Parameter stamp: taken before `bytes` were read, so that a change in between is seen next time.
    package init(path: String, stamp: FileStamp?, bytes: [UInt8]) {
        self.path = path
        self.stamp = stamp
        self.digest = Self.digest(of: bytes)
    }

    /// The digest of `bytes`, comparable with ``digest``.
    package static func digest(of bytes: [UInt8]) -> String {
        OCSPHashAlgorithm.sha256.digest(bytes).hexString
    }
}
