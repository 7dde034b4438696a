import Foundation

/// Where the store password comes from: a file (`--store-password-file`, `store_password_file:`),
/// else the `PGPASSWORD` environment variable, else none (trust or certificate authentication).
/// Never the command line.
package enum StorePassword {
    /// Bounds what is read from a password file.
    package static let maximumFileSize = 4096

    /// The password: the first line of `file` when given, else `PGPASSWORD`, else nil.
    ///
    /// - Throws: ``FleetError`` `passwordFile` when the file cannot be read, is larger than
    ///   ``maximumFileSize`` or its first line is empty.
    package static func resolve(
        file: String?, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(FleetError) -> String? {
        guard let file else {
            return environment["PGPASSWORD"].flatMap { $0.isEmpty ? nil : $0 }
        }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: file))
        } catch {
            throw FleetError(.passwordFile, subject: file, reason: "cannot be read: \(error.localizedDescription)")
        }
        guard data.count <= maximumFileSize else {
            throw FleetError(.passwordFile, subject: file, reason: "is \(data.count) bytes; a password file holds one line")
        }
        let text = String(decoding: data, as: UTF8.self)
        let line = text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
        let password = line.hasSuffix("\r") ? String(line.dropLast()) : line
        guard !password.isEmpty else {
            throw FleetError(.passwordFile, subject: file, reason: "its first line is empty")
        }
        return password
    }
}
