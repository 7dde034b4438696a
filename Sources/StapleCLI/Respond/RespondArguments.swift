import ArgumentParser
import OCSPResponder

/// A duration on the command line: `90`, `90s`, `15m`, `1h`, `7d`.
struct DurationArgument: ExpressibleByArgument, Sendable {
    var seconds: Double

    init?(argument: String) {
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3_600, "d": 86_400]
        var text = Substring(argument)
        var unit = 1.0
        if let last = text.last, let factor = units[last] {
            unit = factor
            text = text.dropLast()
        }
        guard let value = Double(text), value > 0, value.isFinite else { return nil }
        seconds = value * unit
    }

    init(seconds: Double) { self.seconds = seconds }
}

/// One `--authority` group: `ca=CA.pem,index=index.txt,ca-key=CA.key` or
/// `ca=CA.pem,index=index.txt,signer=R.pem,signer-key=R.key`, optionally `name=...`.
struct AuthorityArgument: ExpressibleByArgument, Sendable {
    var files: AuthorityFiles

    init?(argument: String) {
        var fields: [String: String] = [:]
        for part in argument.split(separator: ",") {
            guard let equals = part.firstIndex(of: "=") else { return nil }
            let key = String(part[..<equals])
            guard ["name", "ca", "index", "ca-key", "signer", "signer-key"].contains(key), fields[key] == nil else {
                return nil
            }
            fields[key] = String(part[part.index(after: equals)...])
        }
        guard let ca = fields["ca"], let index = fields["index"] else { return nil }
        switch (fields["ca-key"], fields["signer"], fields["signer-key"]) {
        case (let key?, nil, nil):
            files = AuthorityFiles(name: fields["name"], caPath: ca, indexPath: index, keyPath: key)
        case (nil, let signer?, let key?):
            files = AuthorityFiles(name: fields["name"], caPath: ca, indexPath: index, signerPath: signer, keyPath: key)
        default:
            return nil
        }
    }

    static var defaultValueDescription: String { "ca=CA.pem,index=index.txt,ca-key=CA.key" }
}
