/// Check 1: size cap and strict DER (RFC 6960 §4.2.1; X.690 §10).
extension OCSPVerifier {
    static func decode(_ bytes: [UInt8], maximumSize: Int, log: inout CheckLog) throws(VerificationStop) -> OCSPResponse
    {
        let id = "size-and-der"
        let reference = "RFC 6960 §4.2.1, X.690 §10"
        guard bytes.count <= maximumSize else {
            throw log.reject(
                id, reference, .tooLarge, "response is \(bytes.count) bytes, over the \(maximumSize)-byte cap")
        }
        do {
            let response = try OCSPResponse(derEncoded: bytes)
            log.pass(id, reference, "\(bytes.count) bytes, one DER OCSPResponse, nothing trailing")
            return response
        } catch {
            throw log.reject(id, reference, .malformed, "not a DER OCSPResponse: \(error)")
        }
    }
}
