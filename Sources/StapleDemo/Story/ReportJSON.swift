import Foundation

/// `staple demo --json`: one document with stable field names.
///
/// ```
/// { "version": 1, "status": "ok|step-not-shown|could-not-start", "exit_code": N, "seconds",
///   "directory", "respond_url", "serve_address", "error",
///   "steps": [ { "id", "title", "outcome": "shown|not-shown|skipped", "checked": [..], "proved",
///                "facts": { name: value }, "problems": [..], "commands": [..] } ] }
/// ```
package enum ReportJSON {
    private struct Document: Encodable {
        var version = 1
        var status: String
        var exitCode: Int32
        var seconds: Double
        var directory: String
        var respondURL: String?
        var serveAddress: String?
        var error: String?
        var steps: [StepReport]

        enum CodingKeys: String, CodingKey {
            case version, status, seconds, directory, error, steps
            case exitCode = "exit_code"
            case respondURL = "respond_url"
            case serveAddress = "serve_address"
        }
    }

    /// - Parameter exitCode: the status the executable exits with, recorded in the document.
    package static func render(_ report: DemoReport, exitCode: Int32) -> String {
        let (status, error): (String, String?) =
            switch report.result {
            case .allShown: ("ok", nil)
            case .stepNotShown(let ids): ("step-not-shown", "not shown: \(ids.joined(separator: ", "))")
            case .couldNotStart(let reason): ("could-not-start", reason)
            }
        let document = Document(
            status: status, exitCode: exitCode, seconds: (report.seconds * 10).rounded() / 10,
            directory: report.directory, respondURL: report.respondURL, serveAddress: report.serveAddress,
            error: error, steps: report.steps)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(document)) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}
