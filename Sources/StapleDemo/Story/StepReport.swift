/// What one step of the story showed, for the closing summary and `--json`.
package struct StepReport: Sendable, Encodable {
    package enum Outcome: String, Sendable, Encodable {
        /// The step showed what it should.
        case shown
        /// It ran but did not show what it should; ``StepReport/problems`` says what was seen instead.
        case notShown = "not-shown"
        /// It could not run here (nginx not installed); not a failure.
        case skipped
    }

    /// A stable name: `first-handshake`, `revocation`, `bad-staples`, `lint`.
    package var id: String
    package var title: String
    package var outcome: Outcome
    /// What was checked, one sentence each.
    package var checked: [String] = []
    /// What the step proved (when shown).
    package var proved: String = ""
    /// Measured and observed values with stable names (`first_handshake_stapled`, `responder_revoked_after_seconds`, ...).
    package var facts: [String: Fact] = [:]
    /// Why the step did not show what it should, or why it was skipped.
    package var problems: [String] = []
    /// The commands run, as a person would type them (`$DEMO` is the temporary directory).
    package var commands: [String] = []

    package init(id: String, title: String, outcome: Outcome = .shown) {
        self.id = id
        self.title = title
        self.outcome = outcome
    }

    /// Records `problem` and marks the step not shown.
    package mutating func fail(_ problem: String) {
        problems.append(problem)
        outcome = .notShown
    }

    /// Fails with `problem` unless `condition` holds.
    package mutating func expect(_ condition: Bool, _ problem: @autoclosure () -> String) {
        if !condition { fail(problem()) }
    }
}

/// One observed value in a ``StepReport``: a flag, a number or a text.
package enum Fact: Sendable, Encodable, Equatable {
    case flag(Bool)
    case number(Double)
    case text(String)

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .flag(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .text(let value): try container.encode(value)
        }
    }
}

/// The whole run: how it ended, where, and each step.
package struct DemoReport: Sendable {
    package enum Result: Sendable, Equatable {
        /// Every step showed what it should (skipped steps included).
        case allShown
        /// At least one step did not.
        case stepNotShown([String])
        /// Something the demo needs could not be made or started.
        case couldNotStart(String)
    }

    package var result: Result
    package var directory: String
    package var seconds: Double
    package var respondURL: String?
    package var serveAddress: String?
    package var steps: [StepReport]

    package init(
        result: Result, directory: String, seconds: Double, respondURL: String? = nil, serveAddress: String? = nil,
        steps: [StepReport]
    ) {
        self.result = result
        self.directory = directory
        self.seconds = seconds
        self.respondURL = respondURL
        self.serveAddress = serveAddress
        self.steps = steps
    }
}
