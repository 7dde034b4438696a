import Foundation

/// Whether something listens on a TCP port, read from the kernel's socket tables
/// (`/proc/net/tcp` and `/proc/net/tcp6`).
///
/// Never connects: a bare connection makes some servers (`openssl ocsp`) spin and never answer
/// again, and a connection to a TLS server is a handshake its test or story did not make. Needs no
/// `ss` and starts no process.
package enum ListenerTable {
    /// The tables read, IPv4 then IPv6.
    package static let tables = ["/proc/net/tcp", "/proc/net/tcp6"]

    /// Whether a socket in state LISTEN has local port `port` (on any address).
    package static func isListening(port: Int) -> Bool {
        tables.contains { table in
            // Read to the end: `String(contentsOfFile:)` stops after the first page of a /proc file
            // (its size is 0), which holds only the first ~26 sockets of a busy machine.
            guard let data = FileHandle(forReadingAtPath: table)?.readDataToEndOfFile() else { return false }
            return listens(port: port, table: String(decoding: data, as: UTF8.self))
        }
    }

    /// Whether `table` (the text of `/proc/net/tcp` or `tcp6`) has a socket in state LISTEN on `port`.
    package static func listens(port: Int, table: String) -> Bool {
        let hex = String(format: ":%04X", port)
        return table.split(separator: "\n").dropFirst().contains { line in
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            // sl local_address rem_address st ...; st 0A is TCP_LISTEN.
            return fields.count > 3 && fields[3] == "0A" && fields[1].hasSuffix(hex)
        }
    }
}
