import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// What identifies a version of a file without reading it: `stat(2)`'s modification time (to the
/// nanosecond), inode and size, symlinks followed.
///
/// `openssl ca` writes `index.txt.new` and renames it, and a certbot renewal re-points a symlink:
/// both change the inode; an editor may keep the inode and change the time and size. Equal stamps
/// mean "not worth reading again"; unequal ones do not prove the content changed (a `touch`).
package struct FileStamp: Hashable, Sendable {
    package var modificationSeconds: Int
    package var modificationNanoseconds: Int
    package var inode: UInt64
    package var size: Int64

    package init(modificationSeconds: Int, modificationNanoseconds: Int, inode: UInt64, size: Int64) {
        self.modificationSeconds = modificationSeconds
        self.modificationNanoseconds = modificationNanoseconds
        self.inode = inode
        self.size = size
    }

    /// The stamp of the file at `path` now, or nil when it cannot be stat'ed.
    package init?(path: String) {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        self.init(
            modificationSeconds: Int(info.st_mtim.tv_sec), modificationNanoseconds: Int(info.st_mtim.tv_nsec),
            inode: UInt64(info.st_ino), size: Int64(info.st_size))
    }

    /// The modification time.
    package var modified: Date {
        Date(timeIntervalSince1970: TimeInterval(modificationSeconds) + TimeInterval(modificationNanoseconds) / 1e9)
    }
}
