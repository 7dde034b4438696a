import Foundation
import StapleTestSupport
import Testing

/// `staple fetch -o` onto a full and a read-only file system (a 64 KiB tmpfs): exit 2, the message
/// names the path, the previous staple stays byte-identical, no temporary file is left.
@Suite(
    "staple fetch: disk faults",
    .enabled(
        if: opensslTestsEnabled && SmallFilesystem.testsEnabled,
        Comment(rawValue: "\(opensslMissingReason); \(SmallFilesystem.unavailableReason)")),
    .serialized)
struct FetchDiskFaultTests {
    @Test("full and read-only: exit 2, names the path, the previous file is intact", arguments: ["full", "read-only"])
    func fault(_ fault: String) async throws {
        let pki = try TestPKI(name: "cli-disk")
        defer { pki.remove() }
        let filesystem = try SmallFilesystem()
        defer { filesystem.unmount() }
        let now = Date()
        let leaf = try pki.issue()
        let previous = try pki.signedResponse(for: leaf.certificate, thisUpdate: now - 3_600, nextUpdate: now + 86_400)
        let newer = try pki.signedResponse(for: leaf.certificate, thisUpdate: now - 60, nextUpdate: now + 86_400)
        let out = "\(filesystem.path)/site.ocsp"
        try Data(previous).write(to: URL(fileURLWithPath: out))
        if fault == "full" { try filesystem.fill() } else { try filesystem.remountReadOnly() }

        let result = try await withTestHTTPServer(handler: { _ in .ocsp(newer) }) { server in
            try SystemTools.execute(
                StapleBinary.url.path, ["fetch", leaf.pemPath, "-o", out, "--url", server.url(path: "/ocsp")])
        }
        #expect(result.status == 2, "\(result)")
        #expect(result.stderr.contains(out), "names the path: \(result.stderr)")
        #expect(result.stderr.contains(leaf.serialHex), "names the serial: \(result.stderr)")
        #expect(FileManager.default.contents(atPath: out).map { [UInt8]($0) } == previous, "the previous file is intact")
        #expect(filesystem.entries() == ["site.ocsp"], "no temporary file is left: \(filesystem.entries())")
    }
}
