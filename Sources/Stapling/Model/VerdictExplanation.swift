import OCSPCore

extension OCSPVerdict {
    /// One line for a person saying why this verdict is or is not stapleable.
    package var explanation: String {
        switch self {
        case .good: "good"
        case .revoked(let time, let reason): "REVOKED at \(time.iso8601)\(reason.map { " (\($0))" } ?? "")"
        case .unknown: "the responder does not know this certificate (unknown)"
        case .noStatus: "the response holds no status for this certificate (a response for another certificate)"
        case .rejected(let rejection): "rejected: \(rejection)"
        case .responderError(let status): "the responder answered \(status) instead of a status"
        }
    }
}
