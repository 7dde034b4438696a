internal import COpenSSL

/// The OpenSSL context of a TLS client that requests status and reports what it got.
///
/// `@unchecked Sendable`: configured once in `init`, then only used for `SSL_new`, which OpenSSL
/// allows from several threads.
package final class OpenSSLClientContext: @unchecked Sendable {
    let configuration: TLSClientConfiguration
    let context: OpaquePointer
    let alpnWire: [UInt8]

    package init(configuration: TLSClientConfiguration) throws {
        self.configuration = configuration
        guard let context = SSL_CTX_new(TLS_client_method()) else {
            throw TLSError.openSSL(.configuration, "SSL_CTX_new")
        }
        self.context = context
        staple_SSL_CTX_set_min_proto_version(context, configuration.minimumVersion.openSSLValue)
        staple_SSL_CTX_set_max_proto_version(context, configuration.maximumVersion.openSSLValue)
        staple_SSL_CTX_set_mode(context, Int(SSL_MODE_RELEASE_BUFFERS))
        if let list = configuration.signatureAlgorithms.openSSLList,
            staple_SSL_CTX_set1_sigalgs_list(context, list) != 1
        {
            SSL_CTX_free(context)
            throw TLSError.openSSL(.configuration, "SSL_CTX_set1_sigalgs_list \(list)")
        }
        if let ciphers = configuration.signatureAlgorithms.openSSLCipherList,
            SSL_CTX_set_cipher_list(context, ciphers) != 1
        {
            SSL_CTX_free(context)
            throw TLSError.openSSL(.configuration, "SSL_CTX_set_cipher_list \(ciphers)")
        }
        // The chain is reported, not judged here: the caller (a checker, a load client) judges it.
        SSL_CTX_set_verify(context, SSL_VERIFY_NONE, nil)
        alpnWire = alpnWireFormat(configuration.alpnProtocols)
    }

    deinit { SSL_CTX_free(context) }
}
