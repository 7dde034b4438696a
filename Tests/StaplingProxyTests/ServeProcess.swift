import Foundation
import StapleTestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// `openssl s_client -status` against a port, standard input closed: its output (it exits 0 whatever
/// it printed).
func sClient(port: Int, version: String, serverName: String? = nil, extra: [String] = []) throws -> String {
    try SystemTools.execute(
        "openssl",
        ["s_client", "-connect", "127.0.0.1:\(port)", "-status", version]
            + (serverName.map { ["-servername", $0] } ?? []) + extra
    ).combined
}
