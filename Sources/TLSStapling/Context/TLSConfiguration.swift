internal import COpenSSL
import NIOCore

/// A certificate chain and its private key, as PEM files (leaf first in the chain file).
package struct TLSCertificateSource: Sendable, Hashable {
    package var chainPath: String
    package var keyPath: String

    package init(chainPath: String, keyPath: String) {
        self.chainPath = chainPath
        self.keyPath = keyPath
    }
}

/// A TLS protocol version this layer speaks.
package enum TLSVersion: Sendable, Hashable {
    case tls12, tls13

    var openSSLValue: Int32 {
        switch self {
        case .tls12: TLS1_2_VERSION
        case .tls13: TLS1_3_VERSION
        }
    }
}

/// The signature algorithms a client offers, which decide the certificate a server with an RSA and an
/// ECDSA certificate presents (RFC 8446 §4.2.3, RFC 5246 §7.4.1.4.1).
package enum TLSSignatureAlgorithms: String, Sendable, Hashable, CaseIterable {
    /// OpenSSL's defaults: whatever the server prefers.
    case any
    /// ECDSA only (and, in TLS 1.2, only ECDSA-authenticated cipher suites).
    case ecdsa
    /// RSA (PKCS#1 v1.5 and PSS) only (and, in TLS 1.2, only RSA-authenticated cipher suites).
    case rsa

    /// The `SSL_CTX_set1_sigalgs_list` list, nil for the defaults.
    var openSSLList: String? {
        switch self {
        case .any: nil
        case .ecdsa: "ECDSA+SHA256:ECDSA+SHA384:ECDSA+SHA512"
        case .rsa: "rsa_pss_rsae_sha256:rsa_pss_rsae_sha384:rsa_pss_rsae_sha512:RSA+SHA256:RSA+SHA384:RSA+SHA512"
        }
    }

    /// The TLS 1.2 cipher list (`SSL_CTX_set_cipher_list`), nil for the defaults.
    var openSSLCipherList: String? {
        switch self {
        case .any: nil
        case .ecdsa: "aECDSA:!aNULL"
        case .rsa: "aRSA:!aNULL"
        }
    }
}

/// How a server terminates TLS.
package struct TLSServerConfiguration: Sendable {
    /// Certificates to serve. The first is the default; the others are chosen by SNI against their
    /// DNS names. Two certificates for the same names (an RSA and an ECDSA one) share one context and
    /// OpenSSL picks the one the client's signature algorithms allow.
    package var certificates: [TLSCertificateSource]
    /// ALPN protocols in order of preference (e.g. `["h2", "http/1.1"]`); empty disables ALPN.
    package var alpnProtocols: [String]
    package var minimumVersion: TLSVersion
    package var maximumVersion: TLSVersion
    /// Connections that have not completed the handshake by then are closed.
    package var handshakeTimeout: TimeAmount

    package init(
        certificates: [TLSCertificateSource], alpnProtocols: [String] = [], minimumVersion: TLSVersion = .tls12,
        maximumVersion: TLSVersion = .tls13, handshakeTimeout: TimeAmount = .seconds(10)
    ) {
        self.certificates = certificates
        self.alpnProtocols = alpnProtocols
        self.minimumVersion = minimumVersion
        self.maximumVersion = maximumVersion
        self.handshakeTimeout = handshakeTimeout
    }
}

/// How a client opens TLS. It requests a staple (status_request) always; it does not verify the
/// peer's chain itself: callers judge the chain and the staple it reports.
package struct TLSClientConfiguration: Sendable {
    /// SNI host name to send, if any.
    package var serverName: String?
    package var alpnProtocols: [String]
    package var minimumVersion: TLSVersion
    package var maximumVersion: TLSVersion
    /// Ask for a staple (status_request). On by default; off measures handshakes without it.
    package var requestStatus: Bool
    package var handshakeTimeout: TimeAmount
    /// The signature algorithms offered: all by default; only ECDSA or only RSA to find each
    /// certificate a server has for a name.
    package var signatureAlgorithms: TLSSignatureAlgorithms

    package init(
        serverName: String? = nil, alpnProtocols: [String] = [], minimumVersion: TLSVersion = .tls12,
        maximumVersion: TLSVersion = .tls13, requestStatus: Bool = true, handshakeTimeout: TimeAmount = .seconds(10),
        signatureAlgorithms: TLSSignatureAlgorithms = .any
    ) {
        self.serverName = serverName
        self.alpnProtocols = alpnProtocols
        self.minimumVersion = minimumVersion
        self.maximumVersion = maximumVersion
        self.requestStatus = requestStatus
        self.handshakeTimeout = handshakeTimeout
        self.signatureAlgorithms = signatureAlgorithms
    }
}

/// ALPN protocol names in wire format: each a length octet followed by the name (RFC 7301 §3.1).
func alpnWireFormat(_ protocols: [String]) -> [UInt8] {
    protocols.flatMap { name -> [UInt8] in
        let bytes = Array(name.utf8.prefix(255))
        return [UInt8(bytes.count)] + bytes
    }
}
