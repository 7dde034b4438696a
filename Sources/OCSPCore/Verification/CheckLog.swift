/// Why verification stopped before reaching a status.
enum VerificationStop: Error {
    case rejected(OCSPRejection)
    case responderError(OCSPResponseStatus)
    case noStatus

    var verdict: OCSPVerdict {
        switch self {
        case .rejected(let rejection): .rejected(rejection)
        case .responderError(let status): .responderError(status)
        case .noStatus: .noStatus
        }
    }
}

/// The ordered record of checks run so far.
///
/// A passed or warning check's detail is an autoclosure, formatted only when read (see
/// ``OCSPCheck/detail``); a failed check's is formatted at once, as its rejection reason is.
struct CheckLog {
    private(set) var checks: [OCSPCheck]

    init() {
        checks = []
        checks.reserveCapacity(14)
    }

    mutating func pass(_ id: String, _ reference: String, _ detail: @autoclosure @escaping @Sendable () -> String) {
        checks.append(OCSPCheck(id: id, reference: reference, outcome: .passed, detail: detail))
    }

    mutating func warn(_ id: String, _ reference: String, _ detail: @autoclosure @escaping @Sendable () -> String) {
        checks.append(OCSPCheck(id: id, reference: reference, outcome: .warning, detail: detail))
    }

    /// Records a failed check and returns the stop to throw.
    mutating func fail(
        _ id: String, _ reference: String, _ stop: VerificationStop, _ detail: String
    ) -> VerificationStop {
        checks.append(OCSPCheck(id: id, reference: reference, outcome: .failed, detail: { detail }))
        return stop
    }

    /// Records a failed check that rejects the response.
    mutating func reject(
        _ id: String, _ reference: String, _ code: OCSPRejection.Code, _ reason: String
    ) -> VerificationStop {
        fail(id, reference, .rejected(OCSPRejection(code, reason)), reason)
    }
}
