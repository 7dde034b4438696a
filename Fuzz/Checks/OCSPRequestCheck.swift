import Crypto
import Foundation
import NIOCore
import OCSPCore
import OCSPResponder
import SwiftASN1
import X509

/// HTTP requests as `staple respond` answers them (``RequestHandler``, ``GetRequestPath``), from a
/// snapshot serving a fixed CA, so that a committed input means the same on every run.
///
/// Input layout: byte 0 picks the method (0 GET, 1 POST, 2 POST with a wrong Content-Type,
/// otherwise a method that is not allowed); byte 1 the nonce policy; the rest is the GET
/// request-target or the POST body.
///
/// Invariants: the HTTP status is 200, 304, 405, 413 or 415; a 200 carries exactly one DER
/// OCSPResponse (decoded back with OCSPCore); a successful one answers only the CertIDs asked for,
/// is signed by the CA (verified `good` when it is the valid leaf alone) and never for another CA.
enum OCSPRequestCheck {
    /// The fixed CA: a P-256 key from constant bytes, so CertIDs in committed inputs stay valid.
    struct Fixture {
        let ca: Certificate
        let leaf: Certificate
        let revokedSerial: [UInt8] = [0x20, 0x02]
        let snapshots: [NoncePolicy: ResponderSnapshot]
        let now = Date(timeIntervalSince1970: 1_767_225_600)  // 2026-01-01T00:00:00Z
    }

    static let fixture: Fixture = {
        do { return try makeFixture() } catch { fatalError("ocsp-request fixture: \(error)") }
    }()

    static func prepare() { _ = fixture }

    static func makeFixture() throws -> Fixture {
        let now = Date(timeIntervalSince1970: 1_767_225_600)
        let caKey = Certificate.PrivateKey(try P256.Signing.PrivateKey(rawRepresentation: [UInt8](repeating: 0x11, count: 32)))
        let leafKey = Certificate.PrivateKey(try P256.Signing.PrivateKey(rawRepresentation: [UInt8](repeating: 0x22, count: 32)))
        let caName = try DistinguishedName { CommonName("Staple Fuzz CA") }
        let ca = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(bytes: [0x01]), publicKey: caKey.publicKey,
            notValidBefore: now - 86_400 * 365, notValidAfter: now + 86_400 * 3_650, issuer: caName, subject: caName,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                Critical(KeyUsage(digitalSignature: true, keyCertSign: true, cRLSign: true))
            }, issuerPrivateKey: caKey)
        let leaf = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(bytes: [0x20, 0x01]), publicKey: leafKey.publicKey,
            notValidBefore: now - 86_400, notValidAfter: now + 86_400 * 90, issuer: caName,
            subject: try DistinguishedName { CommonName("leaf.fuzz.test") }, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: Certificate.Extensions(), issuerPrivateKey: caKey)
        // As `openssl ca` writes it: expiry 2026-04-01, the second revoked on 2025-12-31 23:00 (keyCompromise).
        let indexText = "V\t260401000000Z\t\t2001\tunknown\t/CN=leaf\n"
            + "R\t260401000000Z\t251231230000Z,keyCompromise\t2002\tunknown\t/CN=revoked\n"
        let index = try CertificateIndex(parsing: Array(indexText.utf8), source: "fuzz index")
        let authority = try Authority(
            issuer: ca, signer: OCSPResponseSigner(certificate: ca, privateKey: caKey), name: "fuzz")
        var snapshots: [NoncePolicy: ResponderSnapshot] = [:]
        for nonce in NoncePolicy.allCases {
            let policy = ResponderPolicy(nonce: nonce)
            var state = AuthorityState(authority: authority, index: index)
            let plan = PresignPlan(index: index, cache: state.cache, now: now, refresh: policy.refresh)
            try Presigner.apply(plan, to: &state, now: now, validity: policy.validity)
            snapshots[nonce] = ResponderSnapshot(authorities: [state], policy: policy)
        }
        return Fixture(ca: ca, leaf: leaf, snapshots: snapshots)
    }

    static func check(_ bytes: [UInt8]) throws(InvariantViolation) {
        guard bytes.count >= 2 else { return }
        let fixture = fixture
        let payload = Array(bytes.dropFirst(2))
        let nonce = NoncePolicy.allCases[Int(bytes[1]) % NoncePolicy.allCases.count]
        let request: ResponderRequest
        switch bytes[0] {
        case 0: request = ResponderRequest(method: "GET", uri: String(decoding: payload, as: UTF8.self))
        case 1: request = ResponderRequest(method: "POST", uri: "/", contentType: "application/ocsp-request", body: payload)
        case 2: request = ResponderRequest(method: "POST", uri: "/", contentType: "text/plain", body: payload)
        default: request = ResponderRequest(method: "PUT", uri: "/", body: payload)
        }
        let snapshot = fixture.snapshots[nonce]!
        let answer = RequestHandler.answer(request, snapshot: snapshot, now: fixture.now)
        guard [200, 304, 405, 413, 415].contains(answer.status) else {
            throw InvariantViolation(.ocspRequest, "HTTP status \(answer.status)")
        }
        guard answer.status == 200 else {
            guard answer.body.readableBytes == 0 || answer.status == 304 else {
                throw InvariantViolation(.ocspRequest, "HTTP \(answer.status) with a body")
            }
            return
        }
        let body = Array(answer.body.readableBytesView)
        let response: OCSPResponse
        do { response = try OCSPResponse(derEncoded: body) } catch {
            throw InvariantViolation(.ocspRequest, "a 200 whose body is not one DER OCSPResponse: \(error)")
        }
        guard case .successful(let responseBytes) = response else { return }
        // Only a decodable request for this CA may get a successful answer.
        let der: [UInt8]? = request.method == "GET" ? GetRequestPath.decode(request.uri, maximumSize: snapshot.policy.maximumRequestSize) : request.body
        guard let der, let asked = try? OCSPRequest(derEncoded: der) else {
            throw InvariantViolation(.ocspRequest, "a successful response to a request that does not decode")
        }
        let certIDs = asked.tbsRequest.requestList.map(\.reqCert)
        guard let basic = try? responseBytes.basicResponse() else {
            throw InvariantViolation(.ocspRequest, "a successful response without a BasicOCSPResponse")
        }
        for single in basic.tbsResponseData.responses where !certIDs.contains(single.certID) {
            throw InvariantViolation(.ocspRequest, "answers a CertID that was not asked for (serial \(single.certID.serialNumberHex))")
        }
        if let leafID = certIDs.first, certIDs.count == 1,
            let hash = OCSPHashAlgorithm(leafID.hashAlgorithm),
            let expected = try? CertID(certificate: fixture.leaf, issuer: fixture.ca, hash: hash), leafID == expected
        {
            let verdict = OCSPVerifier().verify(response: body, certificate: fixture.leaf, issuer: fixture.ca, now: fixture.now).verdict
            guard verdict == .good else {
                throw InvariantViolation(.ocspRequest, "the valid leaf's answer verifies \(verdict), not good")
            }
        }
    }

    /// Well-formed requests: GET and POST, SHA-1 and SHA-256, with and without a nonce, for the
    /// valid leaf, the revoked serial, an unknown one and another CA.
    static func seeds() -> [[UInt8]] {
        let fixture = fixture
        var seeds: [[UInt8]] = []
        for hash in [OCSPHashAlgorithm.sha1, .sha256] {
            guard let leafID = try? CertID(certificate: fixture.leaf, issuer: fixture.ca, hash: hash) else { continue }
            var revokedID = leafID
            revokedID.serialNumber = fixture.revokedSerial
            var unknownID = leafID
            unknownID.serialNumber = [0x7F, 0x00, 0x01]
            var otherCA = leafID
            otherCA.issuerKeyHash = [UInt8](repeating: 0xAB, count: leafID.issuerKeyHash.count)
            for ids in [[leafID], [revokedID], [unknownID], [otherCA], [leafID, revokedID]] {
                for nonce in [nil, [UInt8](repeating: 0x42, count: 16)] {
                    guard let der = try? request(ids, nonce: nonce) else { continue }
                    let path = "/" + Data(der).base64EncodedString()
                        .replacingOccurrences(of: "/", with: "%2F").replacingOccurrences(of: "+", with: "%2B")
                    seeds.append([0, 0] + Array(path.utf8))
                    seeds.append([1, 0] + der)
                    seeds.append([1, 2] + der)
                }
            }
        }
        return seeds
    }

    static func request(_ ids: [CertID], nonce: [UInt8]?) throws -> [UInt8] {
        var extensions: [Certificate.Extension] = []
        if let nonce {
            var serializer = DER.Serializer()
            try serializer.serialize(ASN1OctetString(contentBytes: nonce[...]))
            extensions.append(
                Certificate.Extension(oid: OCSPObjectIdentifier.nonce, critical: false, value: serializer.serializedBytes[...]))
        }
        let tbs = TBSRequest(requestList: ids.map { Request(reqCert: $0) }, requestExtensions: extensions)
        var serializer = DER.Serializer()
        try serializer.serialize(OCSPRequest(tbsRequest: tbs))
        return serializer.serializedBytes
    }
}
