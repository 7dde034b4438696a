import Foundation

/// Why a test that needs `openssl` and `ss` is skipped when they are missing (outside CI only).
package let opensslMissingReason =
    "needs the openssl and ss programs (apt-get install openssl iproute2); under CI=true it fails instead"

/// Whether tests that need `openssl ocsp` run: always under CI, otherwise when openssl and ss exist.
package let opensslTestsEnabled = SystemTools.shouldRun(needing: "openssl", "ss")
