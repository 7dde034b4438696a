/// The server software a configuration is written for.
package enum ServerKind: String, Hashable, Sendable, CaseIterable {
    case nginx, apache, haproxy

    /// The name people know it by, for messages.
    package var displayName: String {
        switch self {
        case .nginx: "nginx"
        case .apache: "Apache"
        case .haproxy: "HAProxy"
        }
    }
}
