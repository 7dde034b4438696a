import Foundation
import OCSPCore

/// Shared wording and selection for the rules about staple files (nginx `ssl_stapling_file`,
/// HAProxy `<crt>.ocsp`): neither server verifies these files, so the linter does.
extension LintRule {
    /// The slots whose staple file decoded to a successful basic response, with the response for the leaf when found.
    func decodedStaples(_ context: SiteContext) -> [(slot: SlotFacts, staple: StapleFacts)] {
        context.slots.compactMap { slot in
            guard let staple = slot.staple, staple.problem == nil, staple.decodeError == nil,
                staple.responderStatus == nil
            else {
                return nil
            }
            return (slot, staple)
        }
    }

    /// `ssl_stapling_file /path (nginx.conf:12)` or `/path/site.pem.ocsp (next to crt at haproxy.cfg:8)`.
    func describe(_ staple: StapleFacts, server: ServerKind) -> String {
        switch server {
        case .haproxy: "\(staple.file.value) (loaded for the crt at \(staple.file.location))"
        default: "ssl_stapling_file \(staple.file.value) (\(staple.file.location))"
        }
    }

    /// What the server does with such a file, for the message.
    func serverBehaviour(_ server: ServerKind) -> String {
        switch server {
        case .haproxy: "HAProxy 2.6 only warns and staples nothing"
        default: "nginx does not check it and staples it as is, for ever"
        }
    }
}

/// How close to nextUpdate a staple is judged to be expiring.
enum StapleFreshness {
    /// HAProxy 2.6 loads a response with less than 5 minutes left and never staples it.
    static let haproxyMinimum: TimeInterval = 300
    /// A day: prepared staple files must be refreshed well before their nextUpdate.
    static let soon: TimeInterval = 86_400
}
