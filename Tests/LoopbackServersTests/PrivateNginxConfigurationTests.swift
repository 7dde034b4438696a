import Foundation
import LoopbackServers
import StapleTestSupport
import Testing

/// The private nginx configuration: its text and files, and Debian's nginx's own opinion of it.
@Suite("private nginx configuration")
struct PrivateNginxConfigurationTests {
    @Test("everything nginx writes stays under the root; one process unless workers are asked for")
    func text() {
        let one = PrivateNginxConfiguration(root: "/r", http: "server { listen 127.0.0.1:1; }")
        #expect(one.text.contains("daemon off;\nmaster_process off;\npid /r/nginx.pid;\nerror_log /r/logs/error.log;"))
        for path in ["body", "proxy", "fastcgi", "uwsgi", "scgi"] {
            #expect(one.text.contains("\(path)_temp_path /r/tmp/\(path);"))
        }
        #expect(one.text.contains("worker_connections 4096;"))
        #expect(one.text.hasSuffix("scgi;\nserver { listen 127.0.0.1:1; }\n}\n"))
        #expect(one.arguments == ["-p", "/r", "-c", "/r/nginx.conf", "-e", "/r/logs/error.log"])
        let many = PrivateNginxConfiguration(root: "/r", workers: 3, workerConnections: 64, http: "")
        #expect(many.text.contains("worker_processes 3;") && !many.text.contains("master_process"))
        #expect(many.text.contains("worker_connections 64;"))
    }

    @Test("a stapled server: TLS 1.2 and 1.3 on loopback, the staple file, the body, an optional comment")
    func stapledServer() {
        let server = PrivateNginxConfiguration.stapledServer(
            port: 8443, chainPath: "/c.pem", keyPath: "/k.pem", staplePath: "/s.der", body: "return 200;",
            comment: "site one")
        #expect(server.hasPrefix("    # site one\n    server {\n        listen 127.0.0.1:8443 ssl;\n"))
        for line in [
            "ssl_protocols TLSv1.2 TLSv1.3;", "ssl_certificate /c.pem;", "ssl_certificate_key /k.pem;",
            "ssl_stapling on;", "ssl_stapling_file /s.der;", "return 200;",
        ] {
            #expect(server.contains("        \(line)\n"), "\(line)")
        }
        #expect(
            !PrivateNginxConfiguration.stapledServer(
                port: 1, chainPath: "", keyPath: "", staplePath: "", body: ""
            ).contains("#"))
    }

    @Test("write makes logs/ and tmp/ and the file; a root under a regular file is writeFailed naming it")
    func write() throws {
        let directory = try TemporaryDirectory.make(prefix: "private-nginx")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let configuration = PrivateNginxConfiguration(root: "\(directory)/nginx", http: "")
        try configuration.write()
        #expect(try String(contentsOfFile: configuration.path, encoding: .utf8) == configuration.text)
        var isDirectory: ObjCBool = false
        #expect(FileManager.default.fileExists(atPath: "\(directory)/nginx/logs", isDirectory: &isDirectory))
        #expect(isDirectory.boolValue)
        #expect(FileManager.default.fileExists(atPath: "\(directory)/nginx/tmp"))
        try "not a directory".write(toFile: "\(directory)/file", atomically: true, encoding: .utf8)
        let blocked = PrivateNginxConfiguration(root: "\(directory)/file/nginx", http: "")
        #expect {
            try blocked.write()
        } throws: { error in
            (error as? LoopbackError)?.code == .writeFailed
                && (error as? LoopbackError)?.subject?.hasPrefix("\(directory)/file") == true
        }
    }

    @Test(
        "nginx -t accepts it, and a private nginx started from it listens (through NginxProcess)",
        .enabled(
            if: SystemTools.shouldRun(needing: "nginx"),
            "needs nginx (apt-get install nginx); under CI=true it fails instead"))
    func acceptedByNginx() async throws {
        let directory = try TemporaryDirectory.make(prefix: "private-nginx-t")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let port = try SystemTools.freePort()
        let http = "server { listen 127.0.0.1:\(port); return 200 \"ok\"; }"
        let configuration = PrivateNginxConfiguration(root: directory, http: http)
        try configuration.write()
        let check = try SystemTools.execute("nginx", ["-t"] + configuration.arguments)
        #expect(check.status == 0, "\(check)")
        #expect(check.combined.contains("test is successful"), "\(check)")
        let nginx = try await NginxProcess(root: directory, port: port, http: http)
        defer { nginx.stop() }
        #expect(ListenerTable.isListening(port: port))
        #expect(!nginx.errorLog.contains("[emerg]"), "\(nginx.errorLog)")
    }
}
