import Foundation

/// What `openssl s_client -status` saw of one TLS 1.2 connection's staple: its printed text and the
/// stapled DER itself, read from the `CertificateStatus` message `-msg` dumps (RFC 6066 §8:
/// `CertificateStatus { status_type ocsp(1); opaque OCSPResponse<1..2^24-1> }`).
///
/// An independent client for end-to-end tests: the DER goes to the project's verifier, the text is
/// OpenSSL's own reading of it. TLS 1.2 because in 1.3 the response is an extension of the
/// Certificate message, dumped among the certificates.
package struct OpenSSLStapleClient: Sendable {
    /// Everything s_client printed (the `-msg` dump included).
    package var text: String
    /// The OCSPResponse stapled, nil when the server sent no `CertificateStatus`.
    package var der: [UInt8]?

    /// Whether OpenSSL printed a successful response.
    package var stapled: Bool { text.contains("OCSP Response Status: successful") }
    /// The CertID serial of the (first) SingleResponse as OpenSSL prints it, upper-case hex.
    package var serial: String? { value(after: "Serial Number:") }
    /// `good`, `revoked`, `unknown`, as OpenSSL prints it.
    package var certStatus: String? { value(after: "Cert Status:") }

    /// `openssl s_client -connect 127.0.0.1:PORT -servername NAME -tls1_2 -status -msg`, standard input closed.
    package static func connect(port: Int, serverName: String) throws -> OpenSSLStapleClient {
        let run = try SystemTools.execute(
            "openssl",
            ["s_client", "-connect", "127.0.0.1:\(port)", "-servername", serverName, "-tls1_2", "-status", "-msg"])
        return OpenSSLStapleClient(text: run.stdout, der: certificateStatus(in: run.stdout))
    }

    /// The OCSPResponse in the `CertificateStatus` message of a `-msg` dump: the hex lines under
    /// `<<< TLS 1.2, Handshake [length ...], CertificateStatus`, less the 4-byte handshake header,
    /// the status type and the 3-byte length.
    package static func certificateStatus(in dump: String) -> [UInt8]? {
        var bytes: [UInt8] = []
        var inside = false
        for line in dump.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("<<<") || line.hasPrefix(">>>") {
                if inside { break }
                inside = line.hasPrefix("<<<") && line.hasSuffix("CertificateStatus")
                continue
            }
            guard inside else { continue }
            let tokens = line.split(separator: " ")
            guard !tokens.isEmpty, tokens.allSatisfy({ $0.count == 2 }) else { break }
            for token in tokens {
                guard let byte = UInt8(token, radix: 16) else { return nil }
                bytes.append(byte)
            }
        }
        // 0x16, length(3), status_type ocsp(1), length(3), OCSPResponse.
        guard bytes.count > 8, bytes[0] == 0x16, bytes[4] == 1 else { return nil }
        let length = Int(bytes[5]) << 16 | Int(bytes[6]) << 8 | Int(bytes[7])
        guard bytes.count == 8 + length else { return nil }
        return Array(bytes[8...])
    }

    private func value(after label: String) -> String? {
        guard let range = text.range(of: label) else { return nil }
        return text[range.upperBound...].prefix { $0 != "\n" }.trimmingCharacters(in: .whitespaces)
    }
}
