/// Bounds on what one client may cost the responder.
package struct ResponderLimits: Sendable, Hashable {
    /// The largest request body read; a larger one gets HTTP 413 and the connection is closed.
    package var maximumBodySize: Int
    /// Seconds a client has, once the request head is in, to send the rest of the request.
    package var requestTimeout: Double
    /// Seconds a connection may wait for a complete request head (before the first request and
    /// between requests); a client dripping header bytes is cut off at the same deadline.
    package var idleTimeout: Double
    /// Connections open at once; more are accepted and closed at once.
    package var maximumConnections: Int
    /// Seconds open connections get to finish after a drain starts (SIGTERM).
    package var drainTimeout: Double

    /// Header size is bounded by SwiftNIO's HTTP parser (llhttp): 80 KiB per request head; over it,
    /// HTTP 400 and the connection is closed.
    package static let headerSizeLimit = 80 * 1024

    package init(
        maximumBodySize: Int = ResponderPolicy.defaultMaximumRequestSize, requestTimeout: Double = 5,
        idleTimeout: Double = 15, maximumConnections: Int = 10_000, drainTimeout: Double = 10
    ) {
        self.maximumBodySize = maximumBodySize
        self.requestTimeout = requestTimeout
        self.idleTimeout = idleTimeout
        self.maximumConnections = maximumConnections
        self.drainTimeout = drainTimeout
    }
}
