import Foundation
import OCSPCore
import StapleTestSupport
import Testing
import X509

@testable import Stapling

/// The staple store and `staple fetch`'s staple files on a real full and a real read-only file
/// system (a 64 KiB tmpfs): the previous file stays byte-identical, no temporary file is left, the
/// error names the path.
@Suite(
    "disk faults: staple store and staple files",
    .enabled(if: SmallFilesystem.testsEnabled, Comment(rawValue: SmallFilesystem.unavailableReason)), .serialized)
struct DiskFaultTests {
    enum Fault: String, CaseIterable, CustomTestStringConvertible {
        case full, readOnly = "read-only"
        var testDescription: String { rawValue }

        func apply(to filesystem: SmallFilesystem) throws {
            switch self {
            case .full: try filesystem.fill()
            case .readOnly: try filesystem.remountReadOnly()
            }
        }
    }

    /// A certificate with an old good staple and a newer good one.
    struct Fixture {
        let pki: TestPKI
        let leaf: TestPKI.Leaf
        let previous: [UInt8]
        let newer: [UInt8]

        init() throws {
            pki = try TestPKI(name: "disk-fault")
            leaf = try pki.issue()
            let now = Date()
            previous = try pki.signedResponse(
                for: leaf.certificate, thisUpdate: now - 3_600, nextUpdate: now + 86_400)
            newer = try pki.signedResponse(for: leaf.certificate, thisUpdate: now - 60, nextUpdate: now + 86_400)
        }

        func staple(_ bytes: [UInt8]) throws -> Staple {
            let judgement = StapleJudgement(
                response: bytes, certificate: leaf.certificate, issuer: pki.ca, verifier: OCSPVerifier(),
                currentThisUpdate: nil, policy: RefreshPolicy(), now: Date())
            guard case .accepted(let staple) = judgement.acceptance else {
                throw ToolError(description: "fixture staple not accepted: \(judgement.acceptance)")
            }
            return staple
        }
    }

    @Test("StapleStore.save fails with the path, keeps the previous staple, leaves no temporary file", arguments: Fault.allCases)
    func storeSave(fault: Fault) throws {
        let fixture = try Fixture()
        defer { fixture.pki.remove() }
        let filesystem = try SmallFilesystem()
        defer { filesystem.unmount() }
        let store = try StapleStore(directory: filesystem.path, logger: quietLogger)
        let key = CertificateKey(certificate: fixture.leaf.certificate)
        let path = store.path(for: key)
        try store.save(try fixture.staple(fixture.previous), for: key)
        #expect(fileBytes(path) == fixture.previous)

        try fault.apply(to: filesystem)
        let newer = try fixture.staple(fixture.newer)
        let error = #expect(throws: StoreError.self) { try store.save(newer, for: key) }
        #expect(error?.code == .writeFailed)
        #expect(error?.path == path, "the error names the staple file: \(String(describing: error))")
        #expect("\(String(describing: error))".contains(path))
        #expect(fileBytes(path) == fixture.previous, "the previous staple is byte-for-byte intact")
        #expect(filesystem.entries() == ["\(key.hex).ocsp"], "no temporary file is left behind")

        // It still loads and verifies from the faulty disk.
        let loaded = store.load(
            certificate: fixture.leaf.certificate, issuer: fixture.pki.ca, verifier: OCSPVerifier(),
            policy: RefreshPolicy(), now: Date())
        guard case .loaded(let staple) = loaded else {
            Issue.record("the previous staple must still load: \(loaded)")
            return
        }
        #expect(staple.bytes == fixture.previous)
    }

    @Test("staple fetch's file update reports write-failed with the path and keeps the previous file", arguments: Fault.allCases)
    func stapleFile(fault: Fault) async throws {
        let fixture = try Fixture()
        defer { fixture.pki.remove() }
        let filesystem = try SmallFilesystem()
        defer { filesystem.unmount() }
        let path = "\(filesystem.path)/site.ocsp"
        try Data(fixture.previous).write(to: URL(fileURLWithPath: path))
        try fault.apply(to: filesystem)

        let newer = fixture.newer
        let report = try await withTestHTTPServer(handler: { _ in .ocsp(newer) }) { server in
            try await withStapleFetch { fetch in
                await StapleFileUpdate.run(
                    path: path, certificate: fixture.leaf.certificate, issuer: fixture.pki.ca,
                    responderURLs: [server.url(path: "/ocsp")], hash: .sha1, fetch: fetch)
            }
        }
        #expect(report.status == .writeFailed, "\(report.message)")
        #expect(report.message.contains(path), "names the path: \(report.message)")
        #expect(report.message.contains(fixture.leaf.serialHex), "names the serial: \(report.message)")
        #expect(fileBytes(path) == fixture.previous, "the previous staple is byte-for-byte intact")
        #expect(filesystem.entries() == ["site.ocsp"], "no temporary file is left behind")
    }
}
