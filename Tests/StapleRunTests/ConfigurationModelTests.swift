import Testing

@testable import StapleRun

@Suite struct ConfigurationModelTests {
    @Test func defaultsPollInterval() {
        let configuration = RunConfiguration(stateDirectory: "/var/lib/staple", sites: [])
        #expect(configuration.certificatePollInterval == RunConfiguration.defaultCertificatePollInterval)
    }
}
