import Foundation
import OCSPCore
import OCSPReporting
import SwiftASN1
import Testing
import X509

/// Known bytes and round trips for each RFC 6960 message type.
@Suite("Message encoding")
struct MessageTests {
    static func der(_ value: some DERSerializable) throws -> [UInt8] {
        var serializer = DER.Serializer()
        try serializer.serialize(value)
        return serializer.serializedBytes
    }

    static func hex(_ string: String) -> [UInt8] {
        var bytes: [UInt8] = []
        var index = string.startIndex
        while index < string.endIndex {
            let next = string.index(index, offsetBy: 2)
            bytes.append(UInt8(string[index..<next], radix: 16)!)
            index = next
        }
        return bytes
    }

    @Test("CertID: known bytes and round trip")
    func certID() throws {
        let id = CertID(
            hashAlgorithm: OCSPHashAlgorithm.sha1.identifier, issuerNameHash: Array(repeating: 0xAA, count: 20),
            issuerKeyHash: Array(repeating: 0xBB, count: 20), serialNumber: [0x10, 0x01]
        )
        let bytes = try Self.der(id)
        // SEQUENCE { SEQUENCE { OID sha1, NULL }, OCTET STRING(20), OCTET STRING(20), INTEGER 0x1001 }
        let expected = Self.hex(
            "303b300906052b0e03021a05000414" + String(repeating: "aa", count: 20) + "0414"
                + String(repeating: "bb", count: 20) + "02021001")
        #expect(bytes == expected)
        #expect(try CertID(derEncoded: bytes) == id)
    }

    @Test("CertStatus: the three choices")
    func certStatus() throws {
        #expect(try Self.der(CertStatus.good) == [0x80, 0x00])
        #expect(try Self.der(CertStatus.unknown) == [0x82, 0x00])
        let revoked = CertStatus.revoked(
            time: try GeneralizedTime(Date(timeIntervalSince1970: 0)), reason: .keyCompromise)
        let bytes = try Self.der(revoked)
        // [1] (constructed) { GeneralizedTime 19700101000000Z, [0] { ENUMERATED 1 } }
        #expect(bytes == Self.hex("a116180f31393730303130313030303030305aa0030a0101"))
        #expect(try CertStatus(derEncoded: bytes) == revoked)
        #expect(try CertStatus(derEncoded: [0x80, 0x00]) == .good)
        #expect(throws: (any Error).self) { try CertStatus(derEncoded: [0x83, 0x00]) }
    }

    @Test("OCSPRequest: builder output matches openssl's request structure and round-trips")
    func request() throws {
        let certID = CertID(
            hashAlgorithm: OCSPHashAlgorithm.sha256.identifier, issuerNameHash: Array(repeating: 1, count: 32),
            issuerKeyHash: Array(repeating: 2, count: 32), serialNumber: [0x7F]
        )
        let nonce: [UInt8] = Array(0..<16)
        let request = try OCSPRequestBuilder.request(for: [certID], nonce: nonce)
        let bytes = try request.derBytes()
        let decoded = try OCSPRequest(derEncoded: bytes)
        #expect(decoded == request)
        #expect(decoded.tbsRequest.requestList.map(\.reqCert) == [certID])
        #expect(decoded.tbsRequest.requestExtensions.nonce == nonce)
        // The nonce extension is an OCTET STRING inside extnValue (RFC 8954), as OpenSSL sends it.
        #expect(decoded.tbsRequest.requestExtensions.first!.value == [0x04, 0x10] + nonce[...])
        let plain = try OCSPRequestBuilder.request(for: [certID]).derBytes()
        #expect(try OCSPRequest(derEncoded: plain).tbsRequest.requestExtensions.isEmpty)
    }

    @Test("corpus requests decode, including signed ones, and re-encode to the same bytes")
    func corpusRequests() throws {
        for name in [
            "ocsp_request.der", "ocsp_request_no_nonce.der", "ocsp_request_signed.der",
            "ocsp_request_signed_sha256.der",
            "ocsp_request_attached_cert.der",
        ] {
            let bytes = try Corpora.bytes("aws-lc", name)
            let request = try OCSPRequest(derEncoded: bytes)
            #expect(try request.derBytes() == bytes, "\(name)")
        }
        let signed = try OCSPRequest(derEncoded: try Corpora.bytes("aws-lc", "ocsp_request_signed.der"))
        #expect(signed.optionalSignature != nil)
    }

    @Test(
        "corpus responses decode and re-encode to the same bytes",
        arguments: [
            ("aws-lc", "ocsp_response.der"), ("aws-lc", "ocsp_response_revoked.der"),
            ("aws-lc", "ocsp_response_unknown_sha256.der"),
            ("aws-lc", "ocsp_response_trylater.der"), ("s2n-tls", "ocsp_response_no_next_update.der"),
            ("openssl-ocsp", "D3.ors"),
            ("openssl-ocsp", "ND1.ors"),
        ])
    func corpusResponses(folder: String, name: String) throws {
        let bytes = try Corpora.bytes(folder, name)
        let response = try OCSPResponse(derEncoded: bytes)
        #expect(try Self.der(response) == bytes)
        if case .successful(let body) = response {
            let basic = try body.basicResponse()
            #expect(try Self.der(basic.tbsResponseData) == Array(basic.tbsResponseDataBytes))
            for single in basic.tbsResponseData.responses {
                #expect(try SingleResponse(derEncoded: try Self.der(single)) == single)
                #expect(try CertID(derEncoded: try Self.der(single.certID)) == single.certID)
            }
            let responder = basic.tbsResponseData.responderID
            #expect(try ResponderID(derEncoded: try Self.der(responder)) == responder)
        }
    }

    @Test("an unsuccessful response is the 5-byte envelope and carries no body")
    func unsuccessful() throws {
        let bytes = try OCSPResponseSigner.unsuccessful(.tryLater)
        #expect(bytes == [0x30, 0x03, 0x0A, 0x01, 0x03])
        #expect(bytes == (try Corpora.bytes("aws-lc", "ocsp_response_trylater.der")))
        #expect(try OCSPResponse(derEncoded: bytes) == .unsuccessful(.tryLater))
        // A successful status without responseBytes cannot be represented, so it does not decode.
        #expect(throws: (any Error).self) { try OCSPResponse(derEncoded: [0x30, 0x03, 0x0A, 0x01, 0x00]) }
    }

    @Test("strict DER: trailing bytes and oversize input are refused")
    func strictness() throws {
        let bytes = try Corpora.bytes("aws-lc", "ocsp_response.der")
        #expect(throws: (any Error).self) { try OCSPResponse(derEncoded: bytes + [0]) }
        #expect(throws: (any Error).self) { try OCSPResponse(derBytes: bytes, maximumSize: bytes.count - 1) }
        #expect(try OCSPResponse(derBytes: bytes, maximumSize: bytes.count) == OCSPResponse(derEncoded: bytes))
    }

    @Test("GeneralizedTime and Date convert both ways")
    func times() throws {
        for seconds in [0, 951_782_400, 1_735_689_600, 2_082_758_399, 4_102_444_800] as [TimeInterval] {
            let date = Date(timeIntervalSince1970: seconds)
            #expect(Date(try GeneralizedTime(date)) == date)
        }
        #expect(Date(timeIntervalSince1970: 1_735_689_600).iso8601 == "2025-01-01T00:00:00Z")
    }

    @Test("PEM, base64 and DER inputs give the same DER")
    func encodings() throws {
        let der = try Corpora.bytes("aws-lc", "ocsp_response.der")
        let base64 = Data(der).base64EncodedString(options: [.lineLength76Characters])
        let pem = "junk before\n-----BEGIN OCSP RESPONSE-----\n\(base64)\n-----END OCSP RESPONSE-----\n"
        #expect(try ResponseEncoding.derBytes(from: der) == der)
        #expect(try ResponseEncoding.derBytes(from: Array(base64.utf8)) == der)
        #expect(try ResponseEncoding.derBytes(from: Array(pem.utf8)) == der)
        #expect(throws: (any Error).self) { try ResponseEncoding.derBytes(from: Array("hello".utf8)) }
        #expect(throws: (any Error).self) {
            try ResponseEncoding.derBytes(from: Array("-----BEGIN X-----\nAAAA\n".utf8))
        }
    }
}
