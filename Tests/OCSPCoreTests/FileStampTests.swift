import Foundation
import StapleFiles
import StapleTestSupport
import Testing

/// `FileStamp`, the one "has this file changed?" of `staple respond`'s index watcher and `staple run`'s
/// renewal polling, against real files.
@Suite("file stamp")
struct FileStampTests {
    @Test("the same file has the same stamp; a missing one has none")
    func sameAndMissing() throws {
        let directory = try TemporaryDirectory.make(prefix: "file-stamp")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = "\(directory)/index.txt"
        try "V\t1\n".write(toFile: path, atomically: false, encoding: .utf8)
        let stamp = try #require(FileStamp(path: path))
        #expect(FileStamp(path: path) == stamp)
        #expect(stamp.size == 4)
        let modified = try #require(try FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date)
        #expect(abs(stamp.modified.timeIntervalSince(modified)) < 0.001)
        #expect(FileStamp(path: "\(directory)/absent") == nil)
    }

    @Test("a rename over the file (openssl ca, certbot) changes the inode, even with the same bytes and time")
    func renamedOver() throws {
        let directory = try TemporaryDirectory.make(prefix: "file-stamp")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = "\(directory)/index.txt"
        try "V\t1\n".write(toFile: path, atomically: false, encoding: .utf8)
        let before = try #require(FileStamp(path: path))
        try "V\t1\n".write(toFile: "\(directory)/index.txt.new", atomically: false, encoding: .utf8)
        try setModification(of: "\(directory)/index.txt.new", to: before)
        #expect(rename("\(directory)/index.txt.new", path) == 0)
        let after = try #require(FileStamp(path: path))
        #expect(after.inode != before.inode)
        #expect(after.size == before.size && after.modified == before.modified)
        #expect(after != before)
    }

    @Test("a write in place that keeps the size changes the stamp through the time, to the nanosecond")
    func touchedInPlace() throws {
        let directory = try TemporaryDirectory.make(prefix: "file-stamp")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = "\(directory)/chain.pem"
        try "aaaa".write(toFile: path, atomically: false, encoding: .utf8)
        let before = try #require(FileStamp(path: path))
        var moved = before
        moved.modificationNanoseconds = (before.modificationNanoseconds + 1) % 1_000_000_000
        if moved.modificationNanoseconds == 0 { moved.modificationSeconds += 1 }
        try setModification(of: path, to: moved)
        let after = try #require(FileStamp(path: path))
        #expect(after.inode == before.inode && after.size == before.size)
        #expect(after == moved)
        #expect(after != before)
    }

    /// utimensat(2) with the stamp's modification time.
    private func setModification(of path: String, to stamp: FileStamp) throws {
        let time = timespec(tv_sec: stamp.modificationSeconds, tv_nsec: stamp.modificationNanoseconds)
        let times = [time, time]
        guard utimensat(AT_FDCWD, path, times, 0) == 0 else { throw ToolError(description: "utimensat: \(errno)") }
    }
}
