import Foundation

/// A verified, good OCSP response held for one certificate: the exact bytes received and the
/// times that decide when it may be served.
public struct Staple: Sendable, Hashable {
    /// The DER OCSPResponse as received from the responder (never re-encoded).
    public var bytes: [UInt8]
    public var thisUpdate: Date
    /// nil when the responder gave none (see ``RefreshPolicy/holdWithoutNextUpdate``).
    public var nextUpdate: Date?
    /// When serving stops: nextUpdate (or the hold), never past the certificate's notAfter.
    public var servingEnd: Date

    public init(bytes: [UInt8], thisUpdate: Date, nextUpdate: Date?, servingEnd: Date) {
        self.bytes = bytes
        self.thisUpdate = thisUpdate
        self.nextUpdate = nextUpdate
        self.servingEnd = servingEnd
    }

    /// Whether it may be stapled at `now`.
    ///
    /// - Important: `now` is a parameter; an expired staple is never served.
    public func isServable(at now: Date) -> Bool {
        now < servingEnd
    }
}
