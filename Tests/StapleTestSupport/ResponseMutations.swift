import Foundation
import OCSPCore
import SwiftASN1
import X509

/// Mutations of a valid OCSP response and the judgement of what the verifier made of each: the one
/// generator of the mutation test (Tests/OCSPCoreTests/MutationTests.swift) and of the
/// million-mutation benchmark (Benchmarks/mutation).
package enum ResponseMutations {
    /// One mutated response and what was done to it.
    package struct Mutation: Sendable {
        package var bytes: [UInt8]
        package var kind: Kind
        /// The first byte offset at which it differs from the original (nil for a pure prefix).
        package var offset: Int?

        package enum Kind: String, Sendable, CaseIterable {
            case flip, truncation, append, insertion
        }

        package var description: String {
            switch kind {
            case .flip: "byte \(offset ?? -1) flipped"
            case .truncation: "truncated to \(bytes.count)"
            case .append: "bytes appended"
            case .insertion: "bytes inserted at \(offset ?? -1)"
            }
        }
    }

    /// How many of each kind one round makes.
    package struct Plan: Sendable {
        package var flips = 1_000
        /// Truncations at every `length / truncations` bytes.
        package var truncations = 300
        /// Each an append and an insertion of 1 to 8 random bytes.
        package var extensions = 300

        package init(flips: Int = 1_000, truncations: Int = 300, extensions: Int = 300) {
            self.flips = flips
            self.truncations = truncations
            self.extensions = extensions
        }

        /// Mutations per round, at most (identical ones are skipped).
        package var count: Int { flips + truncations + 2 * extensions }
    }

    /// Calls `body` with each mutation of `original` that differs from it: random byte flips (XOR
    /// with 1...255), truncations, appended and inserted random bytes, drawn from `rng`.
    package static func generate(
        _ original: [UInt8], plan: Plan = Plan(), rng: inout SplitMix64, _ body: (Mutation) -> Void
    ) {
        guard !original.isEmpty else { return }
        for _ in 0..<plan.flips {
            var flipped = original
            let index = Int.random(in: 0..<original.count, using: &rng)
            flipped[index] ^= UInt8.random(in: 1...255, using: &rng)
            body(Mutation(bytes: flipped, kind: .flip, offset: index))
        }
        if plan.truncations > 0 {
            for length in stride(from: 0, to: original.count, by: max(1, original.count / plan.truncations)) {
                body(Mutation(bytes: Array(original.prefix(length)), kind: .truncation, offset: nil))
            }
        }
        for _ in 0..<plan.extensions {
            let extra = (0..<Int.random(in: 1...8, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            body(Mutation(bytes: original + extra, kind: .append, offset: original.count))
            var inserted = original
            let index = Int.random(in: 0...original.count, using: &rng)
            inserted.insert(contentsOf: extra, at: index)
            if inserted != original { body(Mutation(bytes: inserted, kind: .insertion, offset: index)) }
        }
    }

    /// Whether a verdict trusts the response (it states a status for the certificate).
    package static func isTrusted(_ verdict: OCSPVerdict) -> Bool {
        switch verdict {
        case .good, .revoked, .unknown: true
        case .noStatus, .rejected, .responderError: false
        }
    }

    /// What a signature protects: the signed bytes, the algorithm, the signature and the signer's certificate.
    package static func signedParts(_ result: OCSPVerification) -> [[UInt8]]? {
        guard let basic = result.response, let signer = result.signer else { return nil }
        return [
            Array(basic.tbsResponseDataBytes), Array(basic.signature.bytes), Array("\(basic.signatureAlgorithm)".utf8),
            CertificateLoading.derBytes(signer),
        ]
    }

    /// What the verifier made of one mutation.
    package enum Judgement: Sendable, Equatable {
        /// Not trusted (rejected, no status, responder error).
        case refused
        /// Trusted, and what the signature protects is unchanged: the mutation lies outside the
        /// signed bytes, in `region` (see ``Regions``).
        case outsideSignature(region: String)
        /// Trusted with changed signed content: a forgery, a verifier bug.
        case forged
    }

    /// Judges `mutation` of a response whose unmutated verification protected `protected`.
    ///
    /// - Parameter signer: the signer of the unmutated response. A signer certificate whose DER
    ///   changed but whose tbsCertificate bytes and signature value did not (the unused-bits octet of
    ///   its signatureValue BIT STRING, which no signature covers) is outside the signature too.
    package static func judge(
        _ mutation: Mutation, result: OCSPVerification, protected: [[UInt8]]?, regions: Regions,
        signer: Certificate? = nil
    ) -> Judgement {
        guard isTrusted(result.verdict) else { return .refused }
        let region = mutation.offset.map { regions.name(at: $0) } ?? "a prefix"
        guard let protected, let parts = signedParts(result) else { return .forged }
        if parts == protected { return .outsideSignature(region: region) }
        if Array(parts.prefix(3)) == Array(protected.prefix(3)), let signer, let mutated = result.signer,
            mutated.tbsCertificateBytes == signer.tbsCertificateBytes,
            mutated.signature == signer.signature
        {
            return .outsideSignature(region: region)
        }
        return .forged
    }

    /// The DER structure of an OCSPResponse as byte ranges, to name where an offset lies: the
    /// deepest named element containing it (RFC 6960 §4.2.1 names).
    package struct Regions: Sendable {
        private var ranges: [(name: String, range: Range<Int>, depth: Int)] = []

        /// The regions of `der`; the signer's certificate (by DER) is named apart from other certs.
        package init(_ der: [UInt8], signer: Certificate?) {
            guard let root = try? DER.parse(der) else { return }
            let signerDER = signer.map(CertificateLoading.derBytes)
            add("OCSPResponse (tag and length)", root, depth: 0)
            guard case .constructed(let top) = root.content else { return }
            var children = top.makeIterator()
            if let status = children.next() { add("responseStatus", status, depth: 1) }
            guard let explicit = children.next(), case .constructed(let wrapper) = explicit.content,
                let responseBytes = wrapper.first(where: { _ in true })
            else { return }
            add("responseBytes [0] EXPLICIT (tag and length)", explicit, depth: 1)
            add("ResponseBytes SEQUENCE (tag and length)", responseBytes, depth: 2)
            guard case .constructed(let typed) = responseBytes.content else { return }
            var fields = typed.makeIterator()
            if let type = fields.next() { add("responseType OID", type, depth: 3) }
            guard let octets = fields.next(), case .primitive(let inner) = octets.content else { return }
            add("response OCTET STRING wrapping the BasicOCSPResponse (tag and length)", octets, depth: 3)
            guard let basic = try? DER.parse(Array(inner)) else { return }
            let base = inner.startIndex - basic.encodedBytes.startIndex
            add("BasicOCSPResponse SEQUENCE (tag and length)", basic, depth: 4, base: base)
            guard case .constructed(let parts) = basic.content else { return }
            var part = parts.makeIterator()
            if let tbs = part.next() { add("tbsResponseData (signed)", tbs, depth: 5, base: base) }
            if let algorithm = part.next() { add("signatureAlgorithm", algorithm, depth: 5, base: base) }
            if let signature = part.next() { add("signature BIT STRING", signature, depth: 5, base: base) }
            if let certs = part.next() {
                add("certs [0] EXPLICIT (tag and length)", certs, depth: 5, base: base)
                if case .constructed(let sequence) = certs.content, let list = sequence.first(where: { _ in true }) {
                    add("certs SEQUENCE OF (tag and length)", list, depth: 6, base: base)
                    if case .constructed(let certificates) = list.content {
                        for certificate in certificates {
                            let isSigner = signerDER == Array(certificate.encodedBytes)
                            add(
                                isSigner
                                    ? "certs: the signer's certificate (or a copy of the issuer given)"
                                    : "certs: a certificate that is not the signer", certificate, depth: 7, base: base)
                            // The first content octet of its signatureValue BIT STRING: the unused-bits count.
                            if isSigner, case .constructed(let fields) = certificate.content {
                                let value = Array(fields).dropFirst(2).first
                                if let value, case .primitive(let content) = value.content, !content.isEmpty {
                                    let octet = content.startIndex + base
                                    ranges.append(
                                        ("certs: the unused-bits octet of the signer certificate's signatureValue BIT STRING",
                                         octet..<(octet + 1), 8))
                                }
                            }
                        }
                    }
                }
            }
        }

        private mutating func add(_ name: String, _ node: ASN1Node, depth: Int, base: Int = 0) {
            let range = (node.encodedBytes.startIndex + base)..<(node.encodedBytes.endIndex + base)
            ranges.append((name, range, depth))
        }

        /// The deepest region containing `offset`; "after the end" past it.
        package func name(at offset: Int) -> String {
            ranges.filter { $0.range.contains(offset) }.max { $0.depth < $1.depth }?.name ?? "after the end"
        }
    }
}
