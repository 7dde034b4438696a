import Foundation

/// The shared staple store of a fleet node (`store:` / `--store`), as `/status` shows it.
package struct StoreStatus: Codable, Sendable, Hashable {
    /// The store's URL as logs show it (never a password).
    package var url: String
    /// This node's name in the store (`lease_owner`, `written_by`): `HOST:PID:RANDOM`.
    package var node: String
    /// Whether the LISTEN connection is up: writes by other nodes arrive within a second. When false,
    /// the node serves its cache, fetches for itself, and reconnects.
    package var listening: Bool
    /// When the last catch-up query succeeded.
    package var lastCatchUp: Date?

    package init(url: String, node: String, listening: Bool, lastCatchUp: Date? = nil) {
        self.url = url
        self.node = node
        self.listening = listening
        self.lastCatchUp = lastCatchUp
    }
}
