import StapleTestSupport
import Foundation
import OCSPCore
import Stapling
import X509

#if canImport(Glibc)
    import Glibc
#endif

/// A P-256 CA and leaf (the shared test PKI), a good staple signed by the CA, and the files both
/// servers read.
struct BenchFixture {
    let pki: TestPKI
    let leaf: Certificate
    let chainPath: String
    let keyPath: String
    let staplePath: String
    let stateDirectory: String
    var directory: String { pki.directory }

    init() throws {
        let now = Date()
        pki = try TestPKI(name: "handshake-bench")
        // A responder that never answers: both servers staple the file they were given.
        let issued = try pki.issue(commonName: "bench.test", ocspURLs: ["http://127.0.0.1:9/"])
        leaf = issued.certificate
        chainPath = issued.pemPath
        keyPath = issued.keyPath
        staplePath = "\(pki.directory)/staple.der"
        stateDirectory = "\(pki.directory)/state"
        let staple = try pki.signedResponse(for: leaf, thisUpdate: now - 60, nextUpdate: now + 7 * 86_400)
        try Data(staple).write(to: URL(fileURLWithPath: staplePath))
        // `staple serve` finds the same staple in its state directory, as after a restart.
        try FileManager.default.createDirectory(atPath: stateDirectory, withIntermediateDirectories: true)
        let store = try StapleStore(directory: stateDirectory, logger: .init(label: "bench"))
        try Data(staple).write(to: URL(fileURLWithPath: store.path(for: CertificateKey(certificate: leaf))))
    }

    func remove() { pki.remove() }
}

/// Waits until something listens on `port` (read from `ss`, without connecting).
func waitUntilListening(_ port: Int, what: String) throws {
    for _ in 0..<600 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/ss")
        process.arguments = ["-ltnH", "sport = :\(port)"]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        if output.contains(":\(port)") { return }
        usleep(50_000)
    }
    throw BenchError("\(what) did not listen on \(port)")
}

func freePort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
    }
    _ = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    return Int(UInt16(bigEndian: address.sin_port))
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
