import Foundation

/// What `/status` answers and `staple status` prints: one entry per site, modelled on HAProxy's
/// `show ssl ocsp-updates` (certificate, next update, last update, successes, failures, last
/// status). Field names are stable; fields are added, never renamed. Times are ISO 8601 (UTC).
package struct RunStatus: Codable, Sendable, Hashable {
    /// When the document was made.
    package var generatedAt: Date
    /// `run` (staple run) or `serve` (staple serve's engine).
    package var service: String
    package var sites: [SiteStatus]
    /// The shared staple store, when the node has one (absent otherwise).
    package var store: StoreStatus?

    package init(generatedAt: Date, service: String, sites: [SiteStatus], store: StoreStatus? = nil) {
        self.generatedAt = generatedAt
        self.service = service
        self.sites = sites
        self.store = store
    }

    /// The JSON `/status` serves (sorted keys, ISO 8601 dates).
    package func json() -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        return Array((try? encoder.encode(self)) ?? Data("{}".utf8)) + [0x0A]
    }

    /// Reads what ``json()`` wrote.
    package static func decode(_ bytes: [UInt8]) throws -> RunStatus {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(RunStatus.self, from: Data(bytes))
    }
}

/// One site (`staple run`) or certificate (`staple serve`).
package struct SiteStatus: Codable, Sendable, Hashable {
    /// The site's name (the chain path for `staple serve`).
    package var name: String
    /// The chain file.
    package var certificate: String
    /// The leaf's serial, in hex.
    package var serial: String
    /// Whether a verified good staple for this certificate is installed in every output now.
    package var stapled: Bool
    /// Why not, when ``stapled`` is false.
    package var problem: String?
    /// The staple held: its thisUpdate, nextUpdate and until when it is installed (the withdrawal time).
    package var thisUpdate: Date?
    package var nextUpdate: Date?
    package var installedUntil: Date?
    /// When the engine asks the responder next.
    package var nextRefresh: Date?
    /// The last fetch: when, its outcome (replaced, not_newer, revoked, failed, loaded), the fetch
    /// label (good, network, unknown, ...), and a line for a person.
    package var lastUpdate: Date?
    package var lastOutcome: String?
    package var lastFetch: String?
    package var lastMessage: String?
    /// Fetches that gave a new staple, and fetches that did not, since start.
    package var successes: Int
    package var failures: Int
    package var revoked: Bool
    /// What each output last did.
    package var outputs: [OutputStatus]

    package init(
        name: String, certificate: String, serial: String, stapled: Bool, problem: String? = nil,
        thisUpdate: Date? = nil, nextUpdate: Date? = nil, installedUntil: Date? = nil, nextRefresh: Date? = nil,
        lastUpdate: Date? = nil, lastOutcome: String? = nil, lastFetch: String? = nil, lastMessage: String? = nil,
        successes: Int = 0, failures: Int = 0, revoked: Bool = false, outputs: [OutputStatus] = []
    ) {
        self.name = name
        self.certificate = certificate
        self.serial = serial
        self.stapled = stapled
        self.problem = problem
        self.thisUpdate = thisUpdate
        self.nextUpdate = nextUpdate
        self.installedUntil = installedUntil
        self.nextRefresh = nextRefresh
        self.lastUpdate = lastUpdate
        self.lastOutcome = lastOutcome
        self.lastFetch = lastFetch
        self.lastMessage = lastMessage
        self.successes = successes
        self.failures = failures
        self.revoked = revoked
        self.outputs = outputs
    }
}

/// One output of a site.
package struct OutputStatus: Codable, Sendable, Hashable {
    /// `nginx`, `haproxy`, `directory`.
    package var kind: String
    /// What and where (`directory /var/lib/staple/out/www.der`).
    package var target: String
    /// The last outcome: installed, unchanged, withdrawn, refused, failed; nil before the first.
    package var outcome: String?
    /// The refusal's or the failure's reason.
    package var detail: String?
    package var at: Date?

    package init(kind: String, target: String, outcome: String? = nil, detail: String? = nil, at: Date? = nil) {
        self.kind = kind
        self.target = target
        self.outcome = outcome
        self.detail = detail
        self.at = at
    }
}
