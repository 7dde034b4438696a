import Foundation
import OCSPCore
import SwiftASN1
import X509

import StapleTestSupport

@testable import OCSPResponder

/// A CA from the shared test PKI (`StapleTestSupport.TestPKI`) with what the responder's pure tests
/// need on top: its `Authority`, a pre-signed snapshot, and requests.
struct MemoryPKI {
    let pki: TestPKI
    var ca: Certificate { pki.ca }
    var caKey: Certificate.PrivateKey { pki.caKey }
    let now: Date

    init(name: String = "Memory CA", now: Date = Date()) throws {
        self.now = now
        pki = try TestPKI(name: name.replacingOccurrences(of: " ", with: "-"), now: now)
    }

    /// A leaf with `serial`, issued by this CA: a server certificate, or a delegated responder.
    func leaf(serial: [UInt8], purpose: TestPKI.Purpose = .server) throws -> (Certificate, Certificate.PrivateKey) {
        let leaf = try pki.issue(
            serialHex: serial.map { String(format: "%02X", $0) }.joined(), purpose: purpose, writePEM: false,
            writeIndex: false, now: now)
        return (leaf.certificate, leaf.privateKey)
    }

    var authority: Authority {
        get throws {
            try Authority(
                issuer: ca, signer: OCSPResponseSigner(certificate: ca, privateKey: caKey), name: "memory")
        }
    }

    /// A snapshot serving this CA with `index`, everything signed ahead at `now`.
    func snapshot(index: CertificateIndex, policy: ResponderPolicy = ResponderPolicy()) throws -> ResponderSnapshot {
        var state = AuthorityState(authority: try authority, index: index)
        let plan = PresignPlan(index: index, cache: state.cache, now: now, refresh: policy.refresh)
        try Presigner.apply(plan, to: &state, now: now, validity: policy.validity)
        return ResponderSnapshot(authorities: [state], policy: policy)
    }

    /// The DER of an OCSPRequest for `certificates` (with an optional nonce extension of `nonce` octets).
    func request(
        _ certificates: [Certificate], hash: OCSPHashAlgorithm = .sha1, nonce: [UInt8]? = nil
    ) throws -> [UInt8] {
        var extensions: [Certificate.Extension] = []
        if let nonce {
            var serializer = DER.Serializer()
            try serializer.serialize(ASN1OctetString(contentBytes: nonce[...]))
            extensions.append(
                Certificate.Extension(
                    oid: OCSPObjectIdentifier.nonce, critical: false, value: serializer.serializedBytes[...]))
        }
        let list = try certificates.map { Request(reqCert: try CertID(certificate: $0, issuer: ca, hash: hash)) }
        return try OCSPRequest(tbsRequest: TBSRequest(requestList: list, requestExtensions: extensions)).derBytes()
    }
}

/// An index entry for tests.
func entry(
    _ serial: [UInt8], _ kind: IndexEntry.Kind = .valid, revoked: Date? = nil, reason: CRLReason? = nil
)
    -> IndexEntry
{
    IndexEntry(
        kind: kind, expiry: Date(timeIntervalSince1970: 1_900_000_000), revocationTime: revoked,
        revocationReason: reason,
        serial: serial, subject: "/CN=\(serial.hexString)")
}
