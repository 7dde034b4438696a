import OCSPCore

/// Input a command cannot use, or something it could not reach; the subject is the file or
/// address. Commands print its ``StapleError/message`` and exit with its status.
typealias CommandError = StapleError<CommandErrorCode>

/// The codes of ``CommandError``.
struct CommandErrorCode: StapleErrorCode {
    private enum Backing: String {
        case unusableInput = "unusable-input"
    }
    private let backing: Backing
    var description: String { backing.rawValue }

    /// A file that is missing, unreadable, or not what the command needs: exit 2 (3 for monitoring commands).
    static let unusableInput = Self(backing: .unusableInput)
}
