import ArgumentParser
import Foundation
import OCSPCore
import StapleFiles
import X509

/// Reading the files a command names; every problem becomes a ``CommandError`` naming the file.
enum InputFiles {
    static func bytes(_ path: String, what: String) throws(CommandError) -> [UInt8] {
        do {
            return try InputFile.bytes(atPath: path)
        } catch {
            throw CommandError(.unusableInput, subject: "\(what) \(path)", reason: error.reason)
        }
    }

    static func certificates(_ path: String, what: String) throws(CommandError) -> [Certificate] {
        do {
            return try InputFile.certificates(atPath: path)
        } catch {
            throw CommandError(.unusableInput, subject: "\(what) \(path)", reason: error.reason)
        }
    }

    /// The leaf (first certificate of `chainPath`) and its issuer (later in the chain, or in `issuerPath`).
    static func leafAndIssuer(
        chain chainPath: String, issuer issuerPath: String?
    ) throws(CommandError) -> (
        leaf: Certificate, issuer: Certificate
    ) {
        let chain = try certificates(chainPath, what: "certificate")
        var extra: [Certificate] = []
        if let issuerPath { extra = try certificates(issuerPath, what: "issuer") }
        guard let (leaf, found) = IssuerLookup.leafAndIssuer(chain: chain, extra: extra) else {
            throw CommandError(.unusableInput, subject: "certificate \(chainPath)", reason: "no certificate")
        }
        guard let found else {
            let looked = issuerPath.map { "in \($0)" } ?? "after the leaf in \(chainPath); give --issuer"
            throw CommandError(
                .unusableInput, subject: "certificate \(chainPath)",
                reason: "the issuer of \(leaf.subject) was not found \(looked)")
        }
        return (leaf, found)
    }
}

extension ParsableCommand {
    /// Runs `body`; a ``CommandError`` is printed to standard error and exits `status`.
    static func exitingOnUnusableInput<T>(
        status: Int32 = ExitStatus.unusable.rawValue, _ body: () throws -> T
    ) throws
        -> T
    {
        do {
            return try body()
        } catch let error as CommandError {
            printError(error.message)
            throw ExitCode(status)
        }
    }
}

/// Prints `staple: message` to standard error.
func printError(_ message: String) {
    FileHandle.standardError.write(Data("staple: \(message)\n".utf8))
}
