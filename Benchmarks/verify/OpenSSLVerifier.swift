internal import COpenSSL
import Foundation
import OCSPCore
import StapleTestSupport

/// The same verification done by OpenSSL 3 through the package's COpenSSL target.
final class OpenSSLVerifier {
    private let response: [UInt8]
    private let leaf: OpaquePointer
    private let issuer: OpaquePointer
    private let store: OpaquePointer
    private let certs: OpaquePointer

    init(fixture: VerificationFixture) throws {
        response = fixture.response
        leaf = try Self.x509(TestPKI.der(fixture.leaf))
        issuer = try Self.x509(TestPKI.der(fixture.ca))
        store = X509_STORE_new()
        X509_STORE_add_cert(store, issuer)
        certs = staple_sk_X509_new_null()
        X509_up_ref(issuer)
        staple_sk_X509_push(certs, issuer)
    }

    deinit {
        staple_sk_X509_pop_free(certs)
        X509_STORE_free(store)
        X509_free(leaf)
        X509_free(issuer)
    }

    private static func x509(_ der: [UInt8]) throws -> OpaquePointer {
        try der.withUnsafeBufferPointer { buffer in
            var pointer: UnsafePointer<UInt8>? = buffer.baseAddress
            guard let x509 = d2i_X509(nil, &pointer, buffer.count) else { throw BenchmarkError.decoding }
            return x509
        }
    }

    /// Decode, verify the signature and signer, find the status for the leaf, check the times.
    func verify() -> Bool {
        response.withUnsafeBufferPointer { buffer in
            var pointer: UnsafePointer<UInt8>? = buffer.baseAddress
            guard let decoded = d2i_OCSP_RESPONSE(nil, &pointer, buffer.count) else { return false }
            defer { OCSP_RESPONSE_free(decoded) }
            guard OCSP_response_status(decoded) == OCSP_RESPONSE_STATUS_SUCCESSFUL,
                let basic = OCSP_response_get1_basic(decoded)
            else { return false }
            defer { OCSP_BASICRESP_free(basic) }
            guard OCSP_basic_verify(basic, certs, store, 0) == 1 else { return false }
            guard let id = OCSP_cert_to_id(EVP_sha1(), leaf, issuer) else { return false }
            defer { OCSP_CERTID_free(id) }
            var status: Int32 = -1
            var reason: Int32 = -1
            var revoked: UnsafeMutablePointer<ASN1_GENERALIZEDTIME>?
            var thisUpdate: UnsafeMutablePointer<ASN1_GENERALIZEDTIME>?
            var nextUpdate: UnsafeMutablePointer<ASN1_GENERALIZEDTIME>?
            guard OCSP_resp_find_status(basic, id, &status, &reason, &revoked, &thisUpdate, &nextUpdate) == 1,
                OCSP_check_validity(thisUpdate, nextUpdate, 300, -1) == 1
            else { return false }
            return status == V_OCSP_CERTSTATUS_GOOD
        }
    }
}

enum BenchmarkError: Error {
    case decoding
}
