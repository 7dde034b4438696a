import Testing
@testable import OCSPCore
@Test func placeholder() { #expect(Bool(true)) }
