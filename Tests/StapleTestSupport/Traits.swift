import Foundation

/// Why a test that needs `openssl` is skipped when it is missing (outside CI only).
package let opensslMissingReason =
    "needs the openssl program (apt-get install openssl); under CI=true it fails instead"

/// Whether tests that need `openssl ocsp` run: always under CI, otherwise when openssl exists.
/// (Waiting for its listener reads /proc/net/tcp and needs no other program.)
package let opensslTestsEnabled = SystemTools.shouldRun(needing: "openssl")
