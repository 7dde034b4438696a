import Foundation

/// The inputs Staple takes from strangers, each with the invariants every input must keep. The one
/// place those invariants are written: the libFuzzer executable (`Fuzz/`) and the regression test
/// (`Tests/FuzzRegressionTests`) both call ``check(_:)``.
public enum FuzzTarget: String, CaseIterable, Sendable {
    /// OCSP responses: decoding, verification and the `inspect` report (OCSPCore, OCSPReporting).
    case ocspResponse = "ocsp-response"
    /// nginx configurations as `staple lint` parses them.
    case nginx
    /// Apache configurations as `staple lint` parses them.
    case apache
    /// HAProxy configurations as `staple lint` parses them.
    case haproxy
    /// HTTP requests as `staple respond` decodes and answers them (GET path or POST body).
    case ocspRequest = "ocsp-request"
    /// TLS records from a client, fed to the server side of TLSStapling over memory.
    case tlsServer = "tls-server"
    /// `staple run` YAML configurations as its loader reads them.
    case runYAML = "run-yaml"

    /// Checks one input; throws when an invariant is broken (a crash or a sanitizer report is a
    /// finding too, caught by libFuzzer).
    public func check(_ bytes: [UInt8]) throws(InvariantViolation) {
        switch self {
        case .ocspResponse: try OCSPResponseCheck.check(bytes)
        case .nginx: try ConfigParserCheck.check(bytes, server: .nginx)
        case .apache: try ConfigParserCheck.check(bytes, server: .apache)
        case .haproxy: try ConfigParserCheck.check(bytes, server: .haproxy)
        case .ocspRequest: try OCSPRequestCheck.check(bytes)
        case .tlsServer: try TLSServerCheck.check(bytes)
        case .runYAML: try RunYAMLCheck.check(bytes)
        }
    }

    /// Builds what the checks need (fixtures, PKIs), outside any input, so that nothing allocated
    /// once is charged to the first input.
    public func prepare() {
        switch self {
        case .ocspResponse: OCSPResponseCheck.prepare()
        case .nginx, .apache, .haproxy: ConfigParserCheck.prepare()
        case .ocspRequest: OCSPRequestCheck.prepare()
        case .tlsServer: TLSServerCheck.prepare()
        case .runYAML: break
        }
    }

    /// Inputs made at run time that reach deep states (well-formed requests for the fixture CA,
    /// real ClientHellos), to seed the fuzzer beside the committed corpora.
    public func generatedSeeds() -> [[UInt8]] {
        switch self {
        case .ocspResponse, .nginx, .apache, .haproxy, .runYAML: []
        case .ocspRequest: OCSPRequestCheck.seeds()
        case .tlsServer: TLSServerCheck.seeds()
        }
    }

    /// The largest input worth trying (libFuzzer's -max_len).
    public var maximumLength: Int {
        switch self {
        case .ocspResponse: 8_192
        case .nginx, .apache, .haproxy: 16_384
        case .ocspRequest: 8_192
        case .tlsServer: 16_384
        case .runYAML: 16_384
        }
    }
}

/// An input that broke an invariant: which one, and what was seen.
public struct InvariantViolation: Error, CustomStringConvertible, Sendable {
    public var target: String
    public var description: String

    init(_ target: FuzzTarget, _ description: String) {
        self.target = target.rawValue
        self.description = "\(target.rawValue): \(description)"
    }
}
