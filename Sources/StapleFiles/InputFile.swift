import Foundation
import OCSPCore
import X509

/// Reading the files that commands and servers are given (certificates, chains, keys, responses),
/// each problem an ``OCSPCoreError`` whose subject is the path and whose reason a person can act on.
///
/// OCSPCore does no I/O: this is where Staple reads what it then hands to the core.
package enum InputFile {
    /// 16 MiB: certificate bundles with every public CA are about 250 KiB; responses are capped at 64 KiB.
    package static let maximumSize = 16 << 20

    /// The bytes of the file at `path`.
    ///
    /// - Throws: ``OCSPCoreError`` with `code` (default ``OCSPCoreErrorCode/unreadableInput``) naming
    ///   the path: no such file, a directory, not readable, or larger than ``maximumSize``.
    package static func bytes(
        atPath path: String, code: OCSPCoreErrorCode = .unreadableInput
    ) throws(OCSPCoreError)
        -> [UInt8]
    {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw OCSPCoreError(code, subject: path, reason: "no such file")
        }
        guard !isDirectory.boolValue else { throw OCSPCoreError(code, subject: path, reason: "is a directory") }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw OCSPCoreError(code, subject: path, reason: "cannot be read (permission?)")
        }
        defer { try? handle.close() }
        let data: Data
        do {
            data = try handle.read(upToCount: maximumSize + 1) ?? Data()
        } catch {
            throw OCSPCoreError(code, subject: path, reason: "cannot be read: \(error.localizedDescription)")
        }
        guard data.count <= maximumSize else {
            throw OCSPCoreError(code, subject: path, reason: "larger than \(maximumSize >> 20) MiB")
        }
        return Array(data)
    }

    /// Every certificate in the file at `path` (one DER certificate, or PEM blocks).
    ///
    /// - Throws: ``OCSPCoreError`` (``OCSPCoreErrorCode/unreadableCertificate``) naming the path.
    package static func certificates(atPath path: String) throws(OCSPCoreError) -> [Certificate] {
        try CertificateLoading.certificates(in: bytes(atPath: path, code: .unreadableCertificate), source: path)
    }
}
