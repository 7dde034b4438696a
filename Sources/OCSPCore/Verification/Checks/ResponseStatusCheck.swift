/// Checks 2 to 4: response status, basic response type, version v1 (RFC 6960 §4.2.1).
extension OCSPVerifier {
    static func successfulBody(_ response: OCSPResponse, log: inout CheckLog) throws(VerificationStop) -> ResponseBytes
    {
        let id = "response-status"
        let reference = "RFC 6960 §4.2.1"
        switch response {
        case .unsuccessful(let status):
            throw log.fail(id, reference, .responderError(status), "responder answered \(status) (\(status.rawValue))")
        case .successful(let body):
            log.pass(id, reference, "successful")
            return body
        }
    }

    static func basicResponse(_ body: ResponseBytes, log: inout CheckLog) throws(VerificationStop) -> BasicOCSPResponse
    {
        let id = "response-type"
        let reference = "RFC 6960 §4.2.1"
        guard body.responseType == OCSPObjectIdentifier.basicResponse else {
            throw log.reject(
                id, reference, .unsupportedResponseType, "response type \(body.responseType) is not id-pkix-ocsp-basic")
        }
        do {
            let basic = try BasicOCSPResponse(derEncoded: body.response)
            log.pass(id, reference, "id-pkix-ocsp-basic")
            return basic
        } catch {
            throw log.reject(id, reference, .malformed, "BasicOCSPResponse does not decode: \(error)")
        }
    }

    static func version(_ basic: BasicOCSPResponse, log: inout CheckLog) throws(VerificationStop) {
        let id = "version"
        let reference = "RFC 6960 §4.2.1"
        let version = basic.tbsResponseData.version
        guard version == 0 else {
            throw log.reject(id, reference, .unsupportedVersion, "ResponseData version \(version + 1) is not v1")
        }
        log.pass(id, reference, "v1")
    }
}
