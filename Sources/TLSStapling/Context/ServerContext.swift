internal import COpenSSL
import Foundation
import OCSPCore
import StapleFiles
import X509

/// The OpenSSL contexts of a TLS server: one per distinct set of names, with the status (staple),
/// SNI and ALPN callbacks installed.
///
/// `@unchecked Sendable`: every field is set in `init` and never changed; OpenSSL allows `SSL_new`
/// and the callbacks to use an `SSL_CTX` from several threads once it is configured, and the
/// provider is `Sendable`.
package final class OpenSSLServerContext: @unchecked Sendable {
    struct NamedContext {
        var names: [String]
        var context: OpaquePointer
    }

    let configuration: TLSServerConfiguration
    let provider: any StapleProvider
    private(set) var contexts: [NamedContext] = []
    /// The lookup of each certificate's staple, prepared once; each `X509` points to its own through
    /// its ex_data (``preparedLookupIndex``), so a handshake finds it without hashing anything
    /// (`SSL_new` and `SSL_set_SSL_CTX` share the context's certificates, they do not copy them).
    /// The array keeps the lookups alive as long as the contexts, which own the certificates.
    private var prepared: [PreparedLookup] = []
    /// Each DNS name (or `*.` wildcard) to the first context that answers for it: SNI finds its
    /// context in one lookup, not a pass over 10,000 of them.
    private var byName: [String: OpaquePointer] = [:]
    private let alpnWire: UnsafeMutableBufferPointer<UInt8>

    /// Loads every certificate and key and builds the contexts.
    ///
    /// - Throws: ``TLSError`` (`configuration`) naming the file OpenSSL could not use and why.
    package init(configuration: TLSServerConfiguration, provider: any StapleProvider) throws {
        guard !configuration.certificates.isEmpty else { throw TLSError(.configuration, "no certificate to serve") }
        self.configuration = configuration
        self.provider = provider
        let wire = alpnWireFormat(configuration.alpnProtocols)
        alpnWire = .allocate(capacity: max(wire.count, 1))
        _ = alpnWire.initialize(from: wire)

        var indexOfNames: [[String]: Int] = [:]
        for source in configuration.certificates {
            let names = try Self.dnsNames(of: source)
            if let existing = indexOfNames[names] {
                try Self.load(source, into: contexts[existing].context)
            } else {
                let context = try makeContext()
                indexOfNames[names] = contexts.count
                contexts.append(NamedContext(names: names, context: context))
                try Self.load(source, into: context)
            }
        }
        // After all loading: a later certificate of the same key type replaces an earlier one in
        // its context, so only what the contexts hold now is prepared.
        // SNI chooses between contexts: with one, there is nothing to choose, and no callback (and
        // no name lookup) runs in the handshakes.
        if contexts.count > 1 {
            let me = Unmanaged.passUnretained(self).toOpaque()
            for named in contexts {
                staple_SSL_CTX_set_tlsext_servername_callback(named.context, serverNameCallback)
                staple_SSL_CTX_set_tlsext_servername_arg(named.context, me)
            }
        }
        for named in contexts {
            for name in named.names where byName[name] == nil { byName[name] = named.context }
            for certificate in Self.certificates(of: named.context)
            where X509_get_ex_data(certificate, preparedLookupIndex) == nil {
                guard let der = derBytes(certificate) else { continue }
                let lookup = PreparedLookup(provider.lookup(forCertificateDER: der))
                prepared.append(lookup)
                X509_set_ex_data(certificate, preparedLookupIndex, Unmanaged.passUnretained(lookup).toOpaque())
            }
        }
    }

    /// The certificates of a context, one per key type (`SSL_CTX_set_current_cert` FIRST, then NEXT).
    private static func certificates(of context: OpaquePointer) -> [OpaquePointer] {
        var found: [OpaquePointer] = []
        var step = Int(SSL_CERT_SET_FIRST)
        while SSL_CTX_ctrl(context, SSL_CTRL_SET_CURRENT_CERT, step, nil) == 1 {
            if let certificate = SSL_CTX_get0_certificate(context) { found.append(certificate) }
            step = Int(SSL_CERT_SET_NEXT)
        }
        return found
    }

    deinit {
        for named in contexts { SSL_CTX_free(named.context) }
        alpnWire.deallocate()
    }

    /// The context used before SNI is seen: the first certificate's.
    var defaultContext: OpaquePointer { contexts[0].context }

    private func makeContext() throws -> OpaquePointer {
        guard let context = SSL_CTX_new(TLS_server_method()) else {
            throw TLSError.openSSL(.configuration, "SSL_CTX_new")
        }
        staple_SSL_CTX_set_min_proto_version(context, configuration.minimumVersion.openSSLValue)
        staple_SSL_CTX_set_max_proto_version(context, configuration.maximumVersion.openSSLValue)
        // Memory BIOs never block: a write either completes or fails, so partial writes are not needed.
        staple_SSL_CTX_set_mode(context, Int(SSL_MODE_RELEASE_BUFFERS))
        // No server-side session cache (nginx's default too): it would grow with every client and
        // be swept under a lock; resumption still works through stateless session tickets.
        staple_SSL_CTX_set_session_cache_mode(context, Int(SSL_SESS_CACHE_OFF))
        let me = Unmanaged.passUnretained(self).toOpaque()
        staple_SSL_CTX_set_tlsext_status_cb(context, serverStatusCallback)
        staple_SSL_CTX_set_tlsext_status_arg(context, me)
        if !configuration.alpnProtocols.isEmpty {
            SSL_CTX_set_alpn_select_cb(context, alpnSelectCallback, me)
        }
        return context
    }

    private static func load(_ source: TLSCertificateSource, into context: OpaquePointer) throws {
        guard SSL_CTX_use_certificate_chain_file(context, source.chainPath) == 1 else {
            throw TLSError.openSSL(.configuration, "certificate chain \(source.chainPath)")
        }
        guard SSL_CTX_use_PrivateKey_file(context, source.keyPath, SSL_FILETYPE_PEM) == 1 else {
            throw TLSError.openSSL(.configuration, "private key \(source.keyPath)")
        }
        guard SSL_CTX_check_private_key(context) == 1 else {
            throw TLSError.openSSL(.configuration, "private key \(source.keyPath) does not match \(source.chainPath)")
        }
    }

    /// The DNS names a certificate answers for: its subjectAltName DNS entries, else its common name.
    private static func dnsNames(of source: TLSCertificateSource) throws -> [String] {
        let leaf: Certificate
        do {
            guard let first = try InputFile.certificates(atPath: source.chainPath).first else {
                throw TLSError(.configuration, "certificate chain \(source.chainPath) is empty")
            }
            leaf = first
        } catch let error as TLSError {
            throw error
        } catch {
            throw TLSError(.configuration, "certificate chain \(error)")
        }
        var names: [String] = []
        if let sans = try? leaf.extensions.subjectAlternativeNames {
            for case .dnsName(let name) in sans { names.append(name.lowercased()) }
        }
        if names.isEmpty {
            for rdn in leaf.subject {
                for attribute in rdn where attribute.type == .RDNAttributeType.commonName {
                    names.append("\(attribute.value)".lowercased())
                }
            }
        }
        return names.sorted()
    }

    /// The context whose names match `serverName` (exactly, or by a `*.` wildcard one label deep).
    func context(forServerName serverName: String) -> OpaquePointer? {
        // Clients send names in lower case: only a name with an upper-case letter is copied.
        let name = serverName.utf8.contains { $0 &- UInt8(ascii: "A") < 26 } ? serverName.lowercased() : serverName
        if let exact = byName[name] { return exact }
        guard let dot = name.firstIndex(of: ".") else { return nil }
        return byName["*" + name[dot...]]
    }

    /// Called inside the handshake when the client asked for status: staple or not.
    func provideStaple(_ ssl: OpaquePointer) -> Int32 {
        guard let certificate = SSL_get_certificate(ssl), let staple = staple(for: certificate, at: Date()),
            !staple.isEmpty
        else { return SSL_TLSEXT_ERR_NOACK }
        let stapled = staple.withUnsafeBufferPointer {
            staple_SSL_set_tlsext_status_ocsp_resp_copying(ssl, $0.baseAddress, $0.count)
        }
        return stapled == 1 ? SSL_TLSEXT_ERR_OK : SSL_TLSEXT_ERR_NOACK
    }

    /// The staple for the certificate a handshake presents: through its prepared lookup, or (a
    /// certificate no context was built with, which OpenSSL does not do) from its DER.
    private func staple(for certificate: OpaquePointer, at now: Date) -> [UInt8]? {
        if let lookup = X509_get_ex_data(certificate, preparedLookupIndex) {
            return Unmanaged<PreparedLookup>.fromOpaque(lookup).takeUnretainedValue().lookup.staple(at: now)
        }
        return derBytes(certificate).flatMap { provider.staple(forCertificateDER: $0, at: now) }
    }

    func selectALPN(
        _ out: UnsafeMutablePointer<UnsafePointer<UInt8>?>?, _ outLength: UnsafeMutablePointer<UInt8>?,
        _ offered: UnsafePointer<UInt8>?, _ offeredLength: UInt32
    ) -> Int32 {
        var selected: UnsafeMutablePointer<UInt8>?
        let result = SSL_select_next_proto(
            &selected, outLength, alpnWire.baseAddress,
            UInt32(configuration.alpnProtocols.isEmpty ? 0 : alpnWire.count),
            offered, offeredLength
        )
        guard result == OPENSSL_NPN_NEGOTIATED, let selected else { return SSL_TLSEXT_ERR_NOACK }
        out?.pointee = UnsafePointer(selected)
        return SSL_TLSEXT_ERR_OK
    }
}

/// A certificate's prepared staple lookup, which its `X509` points to.
final class PreparedLookup {
    let lookup: StapleLookup

    init(_ lookup: StapleLookup) { self.lookup = lookup }
}

/// The `X509` ex_data index of the prepared lookups (one for the process).
private let preparedLookupIndex = CRYPTO_get_ex_new_index(CRYPTO_EX_INDEX_X509, 0, nil, nil, nil, nil)

/// The DER encoding of an OpenSSL certificate.
func derBytes(_ certificate: OpaquePointer) -> [UInt8]? {
    let length = i2d_X509(certificate, nil)
    guard length > 0 else { return nil }
    var bytes = [UInt8](repeating: 0, count: Int(length))
    let written = bytes.withUnsafeMutableBufferPointer { buffer -> Int32 in
        var cursor = buffer.baseAddress
        return i2d_X509(certificate, &cursor)
    }
    return written == length ? bytes : nil
}

// C callbacks: they capture nothing and find the context through their argument.

private let serverStatusCallback: staple_tlsext_callback = { ssl, argument in
    guard let ssl, let argument else { return SSL_TLSEXT_ERR_NOACK }
    return Unmanaged<OpenSSLServerContext>.fromOpaque(argument).takeUnretainedValue().provideStaple(ssl)
}

private let serverNameCallback: staple_servername_callback = { ssl, _, argument in
    guard let ssl, let argument, let name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name) else {
        return SSL_TLSEXT_ERR_OK
    }
    let context = Unmanaged<OpenSSLServerContext>.fromOpaque(argument).takeUnretainedValue()
    if let chosen = context.context(forServerName: String(cString: name)), chosen != SSL_get_SSL_CTX(ssl) {
        SSL_set_SSL_CTX(ssl, chosen)
    }
    return SSL_TLSEXT_ERR_OK
}

private let alpnSelectCallback: SSL_CTX_alpn_select_cb_func = { _, out, outLength, offered, offeredLength, argument in
    guard let argument else { return SSL_TLSEXT_ERR_NOACK }
    return Unmanaged<OpenSSLServerContext>.fromOpaque(argument).takeUnretainedValue()
        .selectALPN(out, outLength, offered, offeredLength)
}
