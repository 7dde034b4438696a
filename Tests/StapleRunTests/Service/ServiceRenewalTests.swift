import Foundation
import NIOConcurrencyHelpers
import StapleTestSupport
import Stapling
import Testing

@testable import StapleRun

/// Renewal while the service runs (certificate files polled), and SIGHUP's re-read configuration.
@Suite struct ServiceRenewalTests {
    @Test func replacingTheCertificateLeadsToItsStapleAndNeverTheOldStapleBesideIt() async throws {
        let fixture = try await DirectorySite.make { now in .good(thisUpdate: now - 60, nextUpdate: now + 3600) }
        defer { Task { await fixture.responder.stop() } }
        let service = try fixture.service(fixture.configuration(pollInterval: 0.05))
        try await withRunning(service) {
            #expect(await eventually(within: 60) { fixture.installed() != nil })
            let old = try #require(fixture.installed())
            // Watch the staple file while the certificate is replaced: once it has changed, the old
            // staple must never come back.
            let seen = NIOLockedValueBox<[[UInt8]?]>([old])
            let watching = NIOLockedValueBox(true)
            let watcher = Task {
                while watching.withLockedValue({ $0 }) {
                    let bytes = fixture.installed()
                    seen.withLockedValue { if $0.last! != bytes { $0.append(bytes) } }
                    try? await Task.sleep(for: .milliseconds(2))
                }
            }
            let renewed = try fixture.pki.issue(
                commonName: "www.test", fileName: "www-chain", ocspURLs: [fixture.responder.url])
            fixture.responder.register(renewed.certificate)
            let stapledForNew = await eventually(within: 60) {
                fixture.installed().map { fixture.verification($0, for: renewed.certificate).verdict == .good } == true
            }
            watching.withLockedValue { $0 = false }
            await watcher.value
            #expect(stapledForNew)
            let sequence = seen.withLockedValue { $0 }
            let firstChange = try #require(sequence.firstIndex { $0 != old })
            #expect(!sequence[firstChange...].contains { $0 == old }, "the old staple came back after the renewal")
            let site = try #require(await service.status().sites.first)
            #expect(site.serial == renewed.serialHex)
            #expect(site.stapled)
        }
        #expect(fixture.registry.emitToString().contains("staple_run_certificate_changes_total 1"))
    }

    @Test func touchingTheCertificateFileIsNotARenewal() async throws {
        let fixture = try await DirectorySite.make { now in .good(thisUpdate: now - 60, nextUpdate: now + 3600) }
        defer { Task { await fixture.responder.stop() } }
        let service = try fixture.service(fixture.configuration(pollInterval: 0.05))
        try await withRunning(service) {
            #expect(await eventually(within: 60) { fixture.installed() != nil })
            let answered = fixture.responder.answered
            try FileManager.default.setAttributes(
                [.modificationDate: Date() + 10], ofItemAtPath: fixture.leaf.pemPath)
            await service.pollCertificates()
            #expect(fixture.responder.answered == answered)
        }
        #expect(fixture.registry.emitToString().contains("staple_run_certificate_changes_total 0"))
    }

    @Test func aReloadedConfigurationAddsRemovesAndChangesSites() async throws {
        let fixture = try await DirectorySite.make { now in .good(thisUpdate: now - 60, nextUpdate: now + 3600) }
        defer { Task { await fixture.responder.stop() } }
        let second = try fixture.pki.issue(
            commonName: "api.test", fileName: "api-chain", ocspURLs: [fixture.responder.url])
        fixture.responder.register(second.certificate)
        let service = try fixture.service()
        try await withRunning(service) {
            #expect(await eventually(within: 60) { fixture.installed() != nil })
            let api = SiteConfiguration(name: "api", certificate: second.pemPath, directory: fixture.outDirectory)
            let changes = try await service.apply(fixture.configuration(sites: [api]))
            #expect(changes.added == ["api"])
            #expect(changes.removed == ["www"])
            #expect(await eventually(within: 60) { fixture.installed("api") != nil })
            #expect(await service.status().sites.map(\.name) == ["api"])
            // Changed: api's staple now also goes to a second directory.
            let other = fixture.pki.path("other")
            try FileManager.default.createDirectory(atPath: other, withIntermediateDirectories: true)
            var moved = api
            moved.directory = other
            let changed = try await service.apply(fixture.configuration(sites: [moved]))
            #expect(changed.changed == ["api"])
            #expect(await eventually(within: 60) { FileManager.default.fileExists(atPath: other + "/api.der") })
            // A configuration whose certificate cannot be read changes nothing.
            var broken = moved
            broken.certificate = fixture.pki.path("missing.pem")
            await #expect(throws: RunError.self) { try await service.apply(fixture.configuration(sites: [broken])) }
            #expect(await service.status().sites.first?.certificate == second.pemPath)
        }
    }
}
