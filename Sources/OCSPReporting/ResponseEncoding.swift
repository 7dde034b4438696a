import Foundation
import OCSPCore
import SwiftASN1

/// Recognising how a stored OCSP response is encoded: DER, PEM or bare base64.
public enum ResponseEncoding {
    /// The DER bytes inside `bytes`, which hold DER, a PEM block (any label, e.g. `OCSP RESPONSE`) or base64.
    ///
    /// - Throws: ``OCSPCoreError`` saying which encodings were tried.
    public static func derBytes(from bytes: [UInt8]) throws -> [UInt8] {
        if bytes.first == 0x30 { return bytes }
        guard let text = String(bytes: bytes, encoding: .utf8) else {
            throw OCSPCoreError(.unreadableInput, reason: "neither DER (no SEQUENCE tag) nor text (not UTF-8)")
        }
        if text.contains("-----BEGIN ") {
            guard let block = try PEM.blocks(in: text).first else {
                throw OCSPCoreError(.unreadableInput, reason: "no complete PEM block")
            }
            return block.der
        }
        let compact = text.filter { !$0.isWhitespace }
        guard !compact.isEmpty else { throw OCSPCoreError(.unreadableInput, reason: "empty") }
        guard let data = Data(base64Encoded: compact), data.first == 0x30 else {
            throw OCSPCoreError(.unreadableInput, reason: "neither DER, PEM nor base64 of DER")
        }
        return Array(data)
    }
}
