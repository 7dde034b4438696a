extension StapleFailure {
    /// A failure from a source other than ``StapleFetch`` (a fleet's shared store), with its own code
    /// (the memberwise initializer is internal to this module).
    package init(code: String, reason: String, serialNumberHex: String, responderURL: String? = nil) {
        self.init(
            responderURL: responderURL, serialNumberHex: serialNumberHex, code: code, reason: reason, fetchError: nil)
    }
}
