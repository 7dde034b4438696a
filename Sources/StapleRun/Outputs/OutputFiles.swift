import Foundation
import Stapling

/// The files outputs read and write: compared byte for byte, replaced with ``AtomicFile``.
enum OutputFiles {
    /// The file's bytes, nil when it does not exist or cannot be read.
    static func contents(_ path: String) -> [UInt8]? {
        FileManager.default.contents(atPath: path).map(Array.init)
    }

    /// Replaces the file atomically (temporary file, fsync, rename, fsync of the directory).
    ///
    /// - Throws: ``OutputError`` `.writeFailed` naming the path; the previous file is untouched.
    static func write(_ bytes: [UInt8], to path: String) throws(OutputError) {
        do {
            try AtomicFile.write(bytes, to: path)
        } catch {
            throw OutputError(.writeFailed, subject: path, reason: error.reason)
        }
    }
}
