import Foundation
import OCSPCore
import Stapling

/// `staple fetch --json`: stable field names, times in ISO 8601.
struct FetchReportJSON: Encodable {
    struct Failure: Encodable {
        var responder: String?
        var code: String
        var reason: String
    }

    var status: String
    var exitCode: Int32
    var output: String
    var serial: String
    var responder: String?
    var verdict: String?
    var thisUpdate: String?
    var nextUpdate: String?
    var existingThisUpdate: String?
    var message: String
    var failures: [Failure]

    init(_ report: StapleFileUpdate) {
        status = report.status.rawValue
        exitCode = Fetch.exitStatus(report.status).rawValue
        output = report.path
        serial = report.serialNumberHex
        responder = report.responderURL
        verdict = report.verdict
        thisUpdate = report.thisUpdate?.iso8601
        nextUpdate = report.nextUpdate?.iso8601
        existingThisUpdate = report.existingThisUpdate?.iso8601
        message = report.message
        failures = report.failures.map { Failure(responder: $0.responderURL, code: $0.code, reason: $0.reason) }
    }

    func encoded() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}
