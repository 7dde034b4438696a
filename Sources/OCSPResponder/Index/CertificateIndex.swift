import Foundation
import OCSPCore
import SwiftASN1

/// What an OpenSSL CA database says about one certificate: one line of `index.txt`.
///
/// `openssl ca` writes six tab-separated fields per certificate (see `ca(1)`, "the index file"):
///
/// ```
/// status  expiry  revocation[,reason[,extra]]  serial  filename  subject
/// V       301231235959Z                        1001    unknown   /CN=a
/// R       301231235959Z  250101000000Z,keyCompromise  1002  unknown  /CN=b
/// ```
package struct IndexEntry: Hashable, Sendable {
    /// The certificate's status letter: V (valid), R (revoked) or E (expired, by `openssl ca -updatedb`).
    package enum Kind: Character, Sendable, Hashable {
        case valid = "V"
        case revoked = "R"
        case expired = "E"
    }

    package var kind: Kind
    package var expiry: Date
    /// For `R` lines: when the certificate was revoked.
    package var revocationTime: Date?
    /// For `R` lines with a reason (`keyTime` and `CAkeyTime` read as keyCompromise and cACompromise).
    package var revocationReason: CRLReason?
    /// The serial number's magnitude, big-endian, without leading zero octets (at least one octet).
    package var serial: [UInt8]
    package var subject: String

    /// The status an OCSP response gives this entry.
    ///
    /// `E` is an expiry mark, not a revocation: RFC 6960 §2.2 "good" means "not revoked", so an
    /// expired, unrevoked certificate is answered `good`, as `openssl ocsp -index` does.
    package var certStatus: CertStatus {
        get throws {
            guard kind == .revoked, let revocationTime else { return .good }
            return .revoked(time: try GeneralizedTime(revocationTime), reason: revocationReason)
        }
    }
}

/// The parsed OpenSSL CA database: entries by serial.
///
/// Parsing is strict and all-or-nothing, so that a half-written file is refused rather than served:
/// every line must have its six fields and end with a newline.
package struct CertificateIndex: Hashable, Sendable {
    /// Entries by serial magnitude (see ``IndexEntry/serial``); a later line for a serial wins.
    package private(set) var entries: [[UInt8]: IndexEntry]

    package init(entries: [IndexEntry] = []) {
        var byserial: [[UInt8]: IndexEntry] = [:]
        for entry in entries { byserial[entry.serial] = entry }
        self.entries = byserial
    }

    /// The largest index read: 256 MiB, several million certificates.
    package static let maximumSize = 256 << 20

    /// Parses the text of an `index.txt`.
    ///
    /// - Parameter source: the file's path, for error messages (`path:line`).
    /// - Throws: ``ResponderError`` (``ResponderErrorCode/malformedIndex``) naming the line.
    package init(parsing bytes: some Collection<UInt8>, source: String) throws(ResponderError) {
        var entries: [IndexEntry] = []
        var lineNumber = 0
        let array = Array(bytes)
        guard array.count <= Self.maximumSize else {
            throw ResponderError(.malformedIndex, subject: source, reason: "larger than 256 MiB")
        }
        if !array.isEmpty && array.last != UInt8(ascii: "\n") {
            var count = 0
            for byte in array where byte == UInt8(ascii: "\n") { count += 1 }
            throw ResponderError(
                .malformedIndex, subject: "\(source):\(count + 1)",
                reason: "the last line has no newline: the file is incomplete (being written?)")
        }
        var start = 0
        while start < array.count {
            lineNumber += 1
            var end = start
            while array[end] != UInt8(ascii: "\n") { end += 1 }
            let line = array[start..<end]
            start = end + 1
            if line.isEmpty { continue }
            entries.append(try Self.entry(line, location: "\(source):\(lineNumber)"))
        }
        self.init(entries: entries)
    }

    /// The entry for a serial given as DER INTEGER content octets (leading zero octets are ignored).
    package func entry(serialNumber: [UInt8]) -> IndexEntry? {
        entries[Self.magnitude(serialNumber)]
    }

    /// The serial's octets without leading zeros (at least one octet).
    package static func magnitude(_ serial: some Collection<UInt8>) -> [UInt8] {
        let trimmed = Array(serial.drop { $0 == 0 })
        return trimmed.isEmpty ? [0] : trimmed
    }

    private static func entry(_ line: ArraySlice<UInt8>, location: String) throws(ResponderError) -> IndexEntry {
        let fields = line.split(separator: UInt8(ascii: "\t"), omittingEmptySubsequences: false).map {
            String(decoding: $0, as: UTF8.self)
        }
        guard fields.count >= 6 else {
            throw ResponderError(
                .malformedIndex, subject: location, reason: "\(fields.count) tab-separated fields, expected 6")
        }
        guard fields[0].count == 1, let letter = fields[0].first, let kind = IndexEntry.Kind(rawValue: letter) else {
            throw ResponderError(.malformedIndex, subject: location, reason: "status '\(fields[0])' is not V, R or E")
        }
        guard let expiry = ASN1TimeText.date(fields[1]) else {
            throw ResponderError(.malformedIndex, subject: location, reason: "expiry '\(fields[1])' is not a time")
        }
        guard let serial = hexBytes(fields[3]) else {
            throw ResponderError(.malformedIndex, subject: location, reason: "serial '\(fields[3])' is not hex")
        }
        var revocationTime: Date?
        var reason: CRLReason?
        if kind == .revoked {
            let parts = fields[2].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard let time = ASN1TimeText.date(parts[0]) else {
                throw ResponderError(
                    .malformedIndex, subject: location, reason: "revocation time '\(parts[0])' is not a time")
            }
            revocationTime = time
            if parts.count > 1 {
                guard let parsed = revocationReason(parts[1]) else {
                    throw ResponderError(
                        .malformedIndex, subject: location, reason: "revocation reason '\(parts[1])' is unknown")
                }
                reason = parsed
            }
        } else if !fields[2].isEmpty {
            throw ResponderError(
                .malformedIndex, subject: location, reason: "a revocation field on a line that is not R")
        }
        return IndexEntry(
            kind: kind, expiry: expiry, revocationTime: revocationTime, revocationReason: reason,
            serial: magnitude(serial), subject: fields[5...].joined(separator: "\t"))
    }

    /// The reasons `openssl ca -crl_reason` writes, plus its `keyTime`/`CAkeyTime` forms (`-crl_compromise`).
    private static func revocationReason(_ text: String) -> CRLReason? {
        switch text {
        case "keyTime": .keyCompromise
        case "CAkeyTime": .caCompromise
        case "holdInstruction": .certificateHold
        default: CRLReason(name: text)
        }
    }

    private static func hexBytes(_ text: String) -> [UInt8]? {
        var digits = Array(text.utf8)
        guard !digits.isEmpty, digits.count <= 80 else { return nil }
        if digits.count % 2 == 1 { digits.insert(UInt8(ascii: "0"), at: 0) }
        var out: [UInt8] = []
        out.reserveCapacity(digits.count / 2)
        var index = 0
        while index < digits.count {
            guard let high = hexValue(digits[index]), let low = hexValue(digits[index + 1]) else { return nil }
            out.append(high << 4 | low)
            index += 2
        }
        return out
    }

    private static func hexValue(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

/// The times of `index.txt`: UTCTime `YYMMDDHHMMSSZ` (years 1950-2049) or GeneralizedTime
/// `YYYYMMDDHHMMSSZ`, as OpenSSL's `ASN1_TIME_print` forms them.
enum ASN1TimeText {
    static func date(_ text: String) -> Date? {
        let digits = Array(text.utf8)
        guard digits.last == UInt8(ascii: "Z"), digits.count == 13 || digits.count == 15 else { return nil }
        var numbers: [Int] = []
        for byte in digits.dropLast() {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            numbers.append(Int(byte - UInt8(ascii: "0")))
        }
        func pair(_ at: Int) -> Int { numbers[at] * 10 + numbers[at + 1] }
        var year: Int
        var rest: Int
        if numbers.count == 12 {
            year = pair(0)
            year += year < 50 ? 2000 : 1900
            rest = 2
        } else {
            year = pair(0) * 100 + pair(2)
            rest = 4
        }
        var components = DateComponents()
        components.calendar = Calendar(identifier: .gregorian)
        components.timeZone = TimeZone(identifier: "UTC")
        components.year = year
        components.month = pair(rest)
        components.day = pair(rest + 2)
        components.hour = pair(rest + 4)
        components.minute = pair(rest + 6)
        components.second = pair(rest + 8)
        guard components.isValidDate, let date = components.date else { return nil }
        return date
    }
}
