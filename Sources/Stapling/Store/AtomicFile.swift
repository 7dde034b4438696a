import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Writes files so that a reader sees the old bytes or the new ones, never a mix, even across a
/// crash: a temporary file in the same directory, fsync, rename over the target, fsync the directory.
package enum AtomicFile {
    /// Replaces the file at `path` with `bytes`.
    ///
    /// - Parameter mode: permissions of the new file.
    /// - Throws: ``StoreError`` naming the path; on failure the old file is untouched and the
    ///   temporary file removed.
    package static func write(_ bytes: [UInt8], to path: String, mode: mode_t = 0o644) throws(StoreError) {
        let directory =
            (path as NSString).deletingLastPathComponent.isEmpty ? "." : (path as NSString).deletingLastPathComponent
        let name = (path as NSString).lastPathComponent
        let temporary = "\(directory)/.\(name).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else {
            throw StoreError(.writeFailed, path: path, reason: "cannot create \(temporary): \(errnoText())")
        }
        var closed = false
        defer {
            if !closed { close(fd) }
        }
        do throws(StoreError) {
            var offset = 0
            while offset < bytes.count {
                let written = bytes.withUnsafeBytes { buffer in
                    systemWrite(fd, buffer.baseAddress! + offset, buffer.count - offset)
                }
                if written < 0 {
                    if errno == EINTR { continue }
                    throw StoreError(.writeFailed, path: path, reason: "write to \(temporary): \(errnoText())")
                }
                offset += written
            }
            guard fsync(fd) == 0 else {
                throw StoreError(.writeFailed, path: path, reason: "fsync \(temporary): \(errnoText())")
            }
            closed = true
            guard close(fd) == 0 else {
                throw StoreError(.writeFailed, path: path, reason: "close \(temporary): \(errnoText())")
            }
            guard rename(temporary, path) == 0 else {
                throw StoreError(.writeFailed, path: path, reason: "rename \(temporary) to \(path): \(errnoText())")
            }
        } catch {
            unlink(temporary)
            throw error
        }
        syncDirectory(directory)
    }

    /// Makes a rename in `directory` durable. Best effort: some file systems refuse fsync on directories.
    static func syncDirectory(_ directory: String) {
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        _ = fsync(fd)
        close(fd)
    }
}

private func systemWrite(_ fd: Int32, _ pointer: UnsafeRawPointer, _ count: Int) -> Int {
    write(fd, pointer, count)
}

func errnoText() -> String {
    String(cString: strerror(errno))
}
