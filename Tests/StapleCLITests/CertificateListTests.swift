import Testing

@testable import StapleCLI

/// `staple serve --cert-list`: the file's format, without I/O.
@Suite struct CertificateListTests {
    @Test func pairsCommentsAndRelativePaths() throws {
        let text = """
            # chain            key
            certs/www.pem      keys/www.key   # the main site

            /etc/ssl/api.pem\t/etc/ssl/private/api.key
            """
        let list = try CertificateList.parse(text, file: "/etc/staple/certificates.list")
        #expect(list.map(\.chainPath) == ["/etc/staple/certs/www.pem", "/etc/ssl/api.pem"])
        #expect(list.map(\.keyPath) == ["/etc/staple/keys/www.key", "/etc/ssl/private/api.key"])
    }

    @Test func aLineWithoutItsKeyIsNamedByFileAndLine() {
        #expect {
            try CertificateList.parse("a.pem a.key\n\nb.pem\n", file: "/tmp/list")
        } throws: { error in
            let message = (error as? CommandError)?.message ?? ""
            return message.contains("/tmp/list:3") && message.contains("found 1 fields")
        }
    }

    @Test func aListOfNothingIsAnError() {
        #expect {
            try CertificateList.parse("# nothing yet\n", file: "/tmp/list")
        } throws: { error in
            (error as? CommandError)?.message.contains("lists no certificate") == true
        }
    }
}
