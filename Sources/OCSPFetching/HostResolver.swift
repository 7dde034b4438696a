import Foundation
import NIOCore
import NIOPosix

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Turns a responder's host name into addresses, once per attempt.
///
/// The fetcher asks for every attempt and pins nothing, so a responder that moves is followed on
/// the next fetch (nginx resolves once at start-up and breaks until restart).
package protocol HostResolver: Sendable {
    /// The addresses for `host`, most preferred first, as IP literals (`127.0.0.1`, `::1`).
    func addresses(for host: String) async throws -> [String]
}

/// The system resolver (`getaddrinfo`), run on NIO's thread pool so no event loop blocks.
package struct SystemHostResolver: HostResolver {
    package init() {}

    package func addresses(for host: String) async throws -> [String] {
        try await NIOThreadPool.singleton.runIfActive { try Self.getaddrinfo(host) }
    }

    static func getaddrinfo(_ host: String) throws -> [String] {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if canImport(Glibc)
            hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
            hints.ai_socktype = SOCK_STREAM
        #endif
        var result: UnsafeMutablePointer<addrinfo>?
        let status = systemGetaddrinfo(host, &hints, &result)
        guard status == 0, let first = result else {
            throw ResolutionError(reason: String(cString: gai_strerror(status)))
        }
        defer { freeaddrinfo(first) }
        var addresses: [String] = []
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let info = cursor {
            if let address = info.pointee.ai_addr, let text = Self.text(address) {
                if !addresses.contains(text) { addresses.append(text) }
            }
            cursor = info.pointee.ai_next
        }
        return addresses
    }

    private static func text(_ address: UnsafeMutablePointer<sockaddr>) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        switch Int32(address.pointee.sa_family) {
        case AF_INET:
            return address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { pointer in
                var addr = pointer.pointee.sin_addr
                return inet_ntop(AF_INET, &addr, &buffer, socklen_t(buffer.count)).map { String(cString: $0) }
            }
        case AF_INET6:
            return address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { pointer in
                var addr = pointer.pointee.sin6_addr
                return inet_ntop(AF_INET6, &addr, &buffer, socklen_t(buffer.count)).map { String(cString: $0) }
            }
        default:
            return nil
        }
    }
}

private func systemGetaddrinfo(
    _ host: String, _ hints: UnsafePointer<addrinfo>, _ result: UnsafeMutablePointer<UnsafeMutablePointer<addrinfo>?>
) -> Int32 {
    getaddrinfo(host, nil, hints, result)
}

/// A resolver reading a hosts(5)-format file at every lookup, then falling back to another
/// resolver: for tests and for deployments that pin responders by configuration.
///
/// The file is read afresh each time, so editing it moves the responder for the next attempt.
package struct HostsFileResolver: HostResolver {
    package var path: String
    package var fallback: (any HostResolver)?

    package init(path: String, fallback: (any HostResolver)? = nil) {
        self.path = path
        self.fallback = fallback
    }

    package func addresses(for host: String) async throws -> [String] {
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        let found = Self.parse(text)[host.lowercased()] ?? []
        if !found.isEmpty { return found }
        if let fallback { return try await fallback.addresses(for: host) }
        throw ResolutionError(reason: "\(host) is not in \(path)")
    }

    /// Host name (lower case) to addresses, in file order.
    static func parse(_ text: String) -> [String: [String]] {
        var table: [String: [String]] = [:]
        for line in text.split(whereSeparator: \.isNewline) {
            let content = line.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let fields = content.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            guard fields.count >= 2 else { continue }
            for name in fields.dropFirst() {
                table[name.lowercased(), default: []].append(fields[0])
            }
        }
        return table
    }
}

/// A host name that did not resolve.
struct ResolutionError: Error, CustomStringConvertible {
    var reason: String
    var description: String { reason }
}

extension String {
    /// Whether this is an IPv4 or IPv6 literal (no resolution needed).
    var isIPAddressLiteral: Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, self, &v4) == 1 || inet_pton(AF_INET6, self, &v6) == 1
    }
}
