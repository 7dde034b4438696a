import Foundation
import OCSPCore
import SwiftASN1
import X509

/// A stable, machine-readable description of a response and, optionally, its verification.
///
/// Field names are part of Staple's interface (`staple inspect --json`); add fields, never rename.
public struct ResponseReport: Codable, Sendable, Equatable {
    public struct CertIDReport: Codable, Sendable, Equatable {
        public var hashAlgorithm: String
        public var issuerNameHash: String
        public var issuerKeyHash: String
        public var serialNumber: String
    }

    public struct ExtensionReport: Codable, Sendable, Equatable {
        public var oid: String
        public var name: String?
        public var critical: Bool
        public var value: String
    }

    public struct SingleReport: Codable, Sendable, Equatable {
        public var certID: CertIDReport
        public var status: String
        public var revocationTime: String?
        public var revocationReason: String?
        public var thisUpdate: String
        public var nextUpdate: String?
        public var extensions: [ExtensionReport]
    }

    public struct CertificateReport: Codable, Sendable, Equatable {
        public var subject: String
        public var issuer: String
        public var serialNumber: String
        public var notBefore: String
        public var notAfter: String
        public var ocspSigning: Bool
    }

    public struct CheckReport: Codable, Sendable, Equatable {
        public var id: String
        public var reference: String
        public var outcome: String
        public var detail: String
    }

    public struct VerificationReport: Codable, Sendable, Equatable {
        public var verdict: String
        public var stapleable: Bool
        public var at: String
        public var reason: String?
        public var rejection: String?
        public var responderStatus: String?
        public var revocationTime: String?
        public var revocationReason: String?
        public var checks: [CheckReport]
    }

    public var size: Int
    public var responseStatus: String
    public var responseType: String?
    public var version: Int?
    public var responderID: String?
    public var producedAt: String?
    public var signatureAlgorithm: String?
    public var responses: [SingleReport]
    public var extensions: [ExtensionReport]
    public var certificates: [CertificateReport]
    public var verification: VerificationReport?

    /// Describes `response` (`der` are its bytes) and, when given, the verification made at `at`.
    public init(response: OCSPResponse, der: [UInt8], verification: OCSPVerification? = nil, at: Date? = nil) {
        size = der.count
        responseStatus = response.status.description
        responses = []
        extensions = []
        certificates = []
        if case .successful(let body) = response {
            responseType = body.responseType == OCSPObjectIdentifier.basicResponse ? "basic" : "\(body.responseType)"
            if let basic = try? body.basicResponse() {
                let data = basic.tbsResponseData
                version = data.version + 1
                responderID = data.responderID.displayString
                producedAt = Date(data.producedAt).iso8601
                signatureAlgorithm = OCSPVerifier.signatureAlgorithmName(basic.signatureAlgorithm)
                responses = data.responses.map(Self.single)
                extensions = data.responseExtensions.map(Self.extensionReport)
                certificates = basic.certs.map(Self.certificate)
            }
        }
        if let verification, let at {
            self.verification = Self.verification(verification, at: at)
        }
    }

    static func single(_ single: SingleResponse) -> SingleReport {
        var report = SingleReport(
            certID: CertIDReport(
                hashAlgorithm: single.certID.hashAlgorithmName,
                issuerNameHash: single.certID.issuerNameHash.hexString,
                issuerKeyHash: single.certID.issuerKeyHash.hexString,
                serialNumber: single.certID.serialNumberHex
            ),
            status: single.certStatus.name,
            thisUpdate: Date(single.thisUpdate).iso8601,
            nextUpdate: single.nextUpdate.map { Date($0).iso8601 },
            extensions: single.singleExtensions.map(extensionReport)
        )
        if case .revoked(let time, let reason) = single.certStatus {
            report.revocationTime = Date(time).iso8601
            report.revocationReason = reason?.description
        }
        return report
    }

    static let extensionNames: [ASN1ObjectIdentifier: String] = [
        OCSPObjectIdentifier.nonce: "nonce", OCSPObjectIdentifier.crlID: "crlID",
        OCSPObjectIdentifier.archiveCutoff: "archiveCutoff", OCSPObjectIdentifier.extendedRevoke: "extendedRevoke",
        OCSPObjectIdentifier.crlReason: "crlReason", OCSPObjectIdentifier.preferredSignatureAlgorithms: "prefSigAlgs",
    ]

    static func extensionReport(_ ext: Certificate.Extension) -> ExtensionReport {
        ExtensionReport(
            oid: "\(ext.oid)", name: extensionNames[ext.oid], critical: ext.critical, value: ext.value.hexString)
    }

    static func certificate(_ cert: Certificate) -> CertificateReport {
        CertificateReport(
            subject: "\(cert.subject)", issuer: "\(cert.issuer)", serialNumber: cert.serialNumber.bytes.hexString,
            notBefore: cert.notValidBefore.iso8601, notAfter: cert.notValidAfter.iso8601,
            ocspSigning: (try? cert.extensions.extendedKeyUsage?.contains(.ocspSigning)) == true
        )
    }

    static func verification(_ v: OCSPVerification, at: Date) -> VerificationReport {
        var report = VerificationReport(
            verdict: v.verdict.name, stapleable: v.isStapleable, at: at.iso8601,
            checks: v.checks.map {
                CheckReport(id: $0.id, reference: $0.reference, outcome: $0.outcome.rawValue, detail: $0.detail)
            }
        )
        switch v.verdict {
        case .rejected(let rejection):
            report.rejection = rejection.code.rawValue
            report.reason = rejection.reason
        case .responderError(let status):
            report.responderStatus = status.description
            report.reason = "the responder answered \(status)"
        case .revoked(let time, let reason):
            report.revocationTime = time.iso8601
            report.revocationReason = reason?.description
            report.reason = "the certificate is revoked"
        case .noStatus:
            report.reason = v.checks.last?.detail
        case .unknown:
            report.reason = "the responder does not know this certificate"
        case .good:
            if !v.isStapleable { report.reason = "good, but without nextUpdate: not stapleable" }
        }
        return report
    }

    /// The JSON document, keys sorted, pretty-printed.
    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}
