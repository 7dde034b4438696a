import ArgumentParser
import Foundation
import OCSPCore
import X509

/// Reading the files a command names, turning every problem into an exit-2 message that names the file.
enum InputFiles {
    static func bytes(_ path: String, what: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            var isDirectory: ObjCBool = false
            let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
            let why =
                !exists ? "no such file" : (isDirectory.boolValue ? "is a directory" : "cannot be read (permission?)")
            throw UnreadableInput("\(what) \(path): \(why)")
        }
        return Array(data)
    }

    static func certificates(_ path: String, what: String) throws -> [Certificate] {
        do {
            return try CertificateLoading.certificates(in: try bytes(path, what: what), source: path)
        } catch let error as OCSPCoreError {
            throw UnreadableInput("\(what) \(error)")
        }
    }
}

/// Input that cannot be used: printed to standard error, exit status 2.
struct UnreadableInput: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

extension ParsableCommand {
    /// Runs `body`, mapping unreadable input to a message on standard error and exit status 2.
    static func exitingOnUnreadableInput<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as UnreadableInput {
            FileHandle.standardError.write(Data("staple: \(error.description)\n".utf8))
            throw ExitCode(2)
        }
    }
}
