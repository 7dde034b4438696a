import Foundation
import Logging
import OCSPCore
import StapleFleet
import StapleTestSupport
import Stapling
import Testing

/// The pure decisions of a fleet node: what to do with a row, after a lost claim, which versions are news.
@Suite("fleet decisions")
struct DecisionTests {
    let handle: TestPKIHandle
    let leaf: TestPKI.Leaf
    let other: TestPKI.Leaf

    init() throws {
        handle = try TestPKIHandle(name: "fleet-decisions")
        leaf = try handle.pki.issue()
        other = try handle.pki.issue()
    }

    func judge(_ bytes: [UInt8], current: Date? = nil, now: Date = Date()) -> StapleJudgement {
        StapleJudgement(
            response: bytes, certificate: leaf.certificate, issuer: handle.pki.ca, verifier: OCSPVerifier(),
            currentThisUpdate: current, policy: RefreshPolicy(), now: now)
    }

    func row(_ bytes: [UInt8]?, refreshAt: Date?) -> StapleRow {
        StapleRow(key: CertificateKey(certificate: leaf.certificate), response: bytes, refreshAt: refreshAt, version: 3)
    }

    @Test("no row or an empty row: claim and fetch")
    func noRow() {
        #expect(RowDecision.decide(row: nil, judgement: nil, announced: false, now: Date()) == .fetch(replacingInvalid: nil, fallback: nil))
        #expect(RowDecision.decide(row: row(nil, refreshAt: nil), judgement: nil, announced: true, now: Date()) == .fetch(replacingInvalid: nil, fallback: nil))
    }

    @Test("a verified newer response not yet due is installed; due, it is fetched with the row as fallback; announced, installed")
    func verifiedRow() throws {
        let bytes = try handle.sign(leaf.certificate)
        let judgement = judge(bytes)
        let staple = try #require(judgement.acceptance.staple)
        let now = Date()
        #expect(RowDecision.decide(row: row(bytes, refreshAt: now + 60), judgement: judgement, announced: false, now: now) == .install(staple))
        #expect(RowDecision.decide(row: row(bytes, refreshAt: now - 1), judgement: judgement, announced: false, now: now) == .fetch(replacingInvalid: nil, fallback: staple))
        #expect(RowDecision.decide(row: row(bytes, refreshAt: nil), judgement: judgement, announced: false, now: now) == .fetch(replacingInvalid: nil, fallback: staple))
        #expect(RowDecision.decide(row: row(bytes, refreshAt: now - 1), judgement: judgement, announced: true, now: now) == .install(staple))
    }

    @Test("a row not newer than the node's staple: fetched when the node is due, nothing when a notification announced it")
    func notNewer() throws {
        let bytes = try handle.sign(leaf.certificate)
        let staple = try #require(judge(bytes).acceptance.staple)
        let judgement = judge(bytes, current: staple.thisUpdate)
        #expect(RowDecision.decide(row: row(bytes, refreshAt: Date() + 600), judgement: judgement, announced: false, now: Date()) == .fetch(replacingInvalid: nil, fallback: nil))
        // The node's own refresh installed the write before the notification's refresh ran: a second
        // fetch here was the fleet's double request (FleetServeTests, about one run in four).
        #expect(RowDecision.decide(row: row(bytes, refreshAt: Date() + 600), judgement: judgement, announced: true, now: Date()) == .alreadyHeld)
        #expect(RowDecision.decide(row: row(bytes, refreshAt: Date() - 1), judgement: judgement, announced: true, now: Date()) == .alreadyHeld)
    }

    @Test("a response for another certificate, an expired one, a badly signed one: never installed, replaced by exactly those bytes' digest")
    func invalidRows() throws {
        var expired = try handle.pki.signedResponse(for: leaf.certificate, thisUpdate: Date() - 3 * 86_400, nextUpdate: Date() - 86_400)
        let foreign = try handle.sign(other.certificate)
        var badlySigned = try handle.sign(leaf.certificate)
        badlySigned[badlySigned.count - 5] ^= 0x01
        for bytes in [foreign, expired, badlySigned] {
            let decision = RowDecision.decide(row: row(bytes, refreshAt: Date() + 600), judgement: judge(bytes), announced: true, now: Date())
            #expect(decision == .fetch(replacingInvalid: StoreQueries.digest(bytes), fallback: nil))
            #expect(decision.rejected)
        }
        expired[0] = 0
        #expect(!RowDecision.decide(row: nil, judgement: nil, announced: true, now: Date()).rejected)
    }

    @Test("after waiting on a lease: install a write, claim an expired lease, fetch alone only with nothing to serve")
    func leaseWait() throws {
        let staple = try #require(judge(try handle.sign(leaf.certificate)).acceptance.staple)
        let now = Date()
        let nothing = RowDecision.fetch(replacingInvalid: nil, fallback: nil)
        #expect(LeaseWaitDecision.decide(after: .install(staple), leaseExpires: now + 10, servable: true, now: now) == .install(staple))
        #expect(LeaseWaitDecision.decide(after: nothing, leaseExpires: now - 1, servable: true, now: now) == .claimAgain)
        #expect(LeaseWaitDecision.decide(after: nothing, leaseExpires: nil, servable: false, now: now) == .claimAgain)
        #expect(LeaseWaitDecision.decide(after: nothing, leaseExpires: now + 5, servable: true, now: now) == .retryLater)
        #expect(LeaseWaitDecision.decide(after: nothing, leaseExpires: now + 5, servable: false, now: now) == .fetchAlone)
        #expect(LeaseWaitDecision.waitDuration(leaseExpires: now + 5, bound: 31, now: now) == 5.25)
        #expect(LeaseWaitDecision.waitDuration(leaseExpires: now + 500, bound: 31, now: now) == 31)
        #expect(LeaseWaitDecision.waitDuration(leaseExpires: now - 5, bound: 31, now: now) == 0)
        #expect(LeaseWaitDecision.waitDuration(leaseExpires: nil, bound: 31, now: now) == 0)
    }

    @Test("versions: only a higher one is news; a catch-up keeps the highest per key")
    func versions() {
        let a = CertificateKey(hex: String(repeating: "a", count: 64))
        let b = CertificateKey(hex: String(repeating: "b", count: 64))
        var tracker = VersionTracker()
        #expect(tracker.isNew(StoreUpdate(key: a, version: 1)))
        let first = tracker.observe(a, version: 5)
        let again = tracker.observe(a, version: 5)
        let older = tracker.observe(a, version: 4)
        #expect(first)
        #expect(!again)
        #expect(!older)
        #expect(tracker.version(of: a) == 5)
        #expect(!tracker.isNew(StoreUpdate(key: a, version: 5)))
        let fresh = tracker.newUpdates([
            StoreUpdate(key: a, version: 3), StoreUpdate(key: b, version: 7), StoreUpdate(key: b, version: 9),
            StoreUpdate(key: a, version: 6), StoreUpdate(key: b, version: 8),
        ])
        #expect(fresh.map(\.version) == [6, 9])
    }

    @Test("notification payloads: KEY VERSION only")
    func payloads() {
        let key = String(repeating: "0f", count: 32)
        #expect(StoreUpdate(payload: "\(key) 42") == StoreUpdate(key: CertificateKey(hex: key), version: 42))
        #expect(StoreUpdate(payload: "\(key.uppercased()) 42")?.key.hex == key)
        #expect(StoreUpdate(payload: "\(key) 0") == nil)
        #expect(StoreUpdate(payload: "\(key) x") == nil)
        #expect(StoreUpdate(payload: "abc 1") == nil)
        #expect(StoreUpdate(payload: "\(key) 1 2") == nil)
        #expect(StoreUpdate(key: CertificateKey(hex: key), version: 7).payload == "\(key) 7")
    }

    @Test("reconnect delays double up to the cap")
    func backoff() {
        let backoff = ReconnectBackoff(base: 1, cap: 30)
        #expect((1...7).map { backoff.delay(attempt: $0) } == [1, 2, 4, 8, 16, 30, 30])
        #expect(backoff.delay(attempt: 0) == 1)
        #expect(backoff.delay(attempt: 500) == 30)
    }
}

/// The store URL and the password: never on the command line.
@Suite("fleet configuration")
struct ConfigurationTests {
    @Test("a URL with user, host, port, database and sslmode")
    func url() throws {
        let url = try StoreURL("postgresql://staple@db.internal:6432/staples?sslmode=verify-full&sslrootcert=/etc/ca.pem")
        #expect(url.user == "staple")
        #expect(url.host == "db.internal")
        #expect(url.port == 6432)
        #expect(url.database == "staples")
        #expect(url.sslMode == .verifyFull)
        #expect(url.rootCertificatePath == "/etc/ca.pem")
        let defaults = try StoreURL("postgres://node@10.0.0.5")
        #expect(defaults.port == 5432)
        #expect(defaults.database == "node")
        #expect(defaults.sslMode == .prefer)
        #expect(try StoreURL("postgresql://u@[::1]:5433/d").host == "::1")
    }

    @Test("refused: a password in the URL (not echoed back), another scheme, no user, a bad sslmode, an unknown parameter")
    func refused() {
        for text in [
            "postgresql://staple:s3cret@db/staples", "postgresql://staple@db/staples?password=s3cret",
            "mysql://staple@db/staples", "postgresql://db/staples", "postgresql://staple@db/x?sslmode=always",
            "postgresql://staple@db/x?sslmod=require", "not a url at all",
        ] {
            #expect(throws: FleetError.self, "\(text)") { try StoreURL(text) }
            do {
                _ = try StoreURL(text)
            } catch {
                #expect(error.code == .invalidURL)
                #expect(!error.description.contains("s3cret"), "the password is never repeated: \(error)")
            }
        }
    }

    @Test("the password: the first line of the file, else PGPASSWORD, else none")
    func password() throws {
        let directory = try TemporaryDirectory.make(prefix: "fleet-password")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = "\(directory)/password"
        try Data("hunter2\nignored\n".utf8).write(to: URL(fileURLWithPath: file))
        #expect(try StorePassword.resolve(file: file, environment: ["PGPASSWORD": "env"]) == "hunter2")
        #expect(try StorePassword.resolve(file: nil, environment: ["PGPASSWORD": "env"]) == "env")
        #expect(try StorePassword.resolve(file: nil, environment: [:]) == nil)
        try Data("\n".utf8).write(to: URL(fileURLWithPath: file))
        #expect(throws: FleetError.self) { try StorePassword.resolve(file: file, environment: [:]) }
        #expect(throws: FleetError.self) { try StorePassword.resolve(file: "\(directory)/missing", environment: [:]) }
    }

    @Test("a configuration and its listener describe themselves without the password (service-lifecycle logs them)")
    func describedWithoutPassword() throws {
        let configuration = FleetConfiguration(url: try StoreURL("postgresql://staple@db/staples"), password: "s3cret")
        // Made, not connected: nothing is opened before first use.
        let node = try FleetNode(configuration: configuration, logger: Logger(label: "test"))
        let listener = node.listener(engine: NoEngine(), policy: RefreshPolicy())
        var dumped = ""
        dump(listener, to: &dumped)
        dump(node, to: &dumped)
        for text in [
            "\(configuration)", String(reflecting: configuration), "\(listener)", String(reflecting: listener), dumped,
            "\([listener])", "\(node)",
        ] {
            #expect(!text.contains("s3cret"), "\(text)")
        }
        #expect("\(configuration)".contains("postgresql://staple@db:5432/staples"))
        #expect("\(configuration)".contains("<redacted>"))
    }
}

/// `staple run --check-config` reads `store:` as the service would (no PostgreSQL needed).
@Suite("fleet: staple run --check-config with store:")
struct RunStoreConfigurationTests {
    @Test("a good store URL passes; a password in it exits 2 without echoing it; a missing password file exits 2")
    func checkConfig() throws {
        let pki = try TestPKI(name: "fleet-run-check")
        defer { pki.remove() }
        let leaf = try pki.issue(fileName: "www", ocspURLs: ["http://127.0.0.1:9/"])
        func check(_ store: String, passwordFile: String? = nil) throws -> SystemTools.Execution {
            let yaml = """
                state_directory: \(pki.path("state"))
                store: "\(store)"
                \(passwordFile.map { "store_password_file: \($0)" } ?? "")
                sites:
                  - name: www
                    certificate: \(leaf.pemPath)
                    directory: \(pki.path("out"))

                """
            let path = pki.path("staple.yaml")
            try yaml.write(toFile: path, atomically: true, encoding: .utf8)
            return try SystemTools.execute(SystemTools.stapleBinary, ["run", "--config", path, "--check-config"])
        }
        let good = try check("postgresql://staple@db.internal:5432/staple?sslmode=require")
        #expect(good.status == 0, "\(good)")
        let secret = try check("postgresql://staple:s3cret@db.internal/staple")
        #expect(secret.status == 2, "\(secret)")
        #expect(secret.stderr.contains("store"), "\(secret)")
        #expect(!secret.combined.contains("s3cret"), "\(secret)")
        let missing = try check("postgresql://staple@db.internal/staple", passwordFile: pki.path("no-such-pgpass"))
        #expect(missing.status == 2, "\(missing)")
        #expect(missing.stderr.contains("no-such-pgpass"), "\(missing)")
    }
}

/// An engine that manages nothing.
private struct NoEngine: FleetEngine {
    func targets(for keys: Set<CertificateKey>) async -> [CertificateKey: [FleetTarget]] { [:] }
    func refreshNow(id: String) async -> Bool { false }
}
