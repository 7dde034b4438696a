import ArgumentParser

/// Staple's exit statuses: the one place where results become numbers.
///
/// Ordinary commands (`inspect`, `fetch`, `serve`, ...): 0 the answer hoped for, 1 judged but
/// unwelcome, 2 usage error or unusable input, 3 could not reach something needed (a responder,
/// a listen address). Monitoring commands (`lint`, `check`) follow the Nagios plugin
/// convention: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (could not judge: a usage error included).
/// No command exits 64, ArgumentParser's default for usage errors.
enum ExitStatus: Int32 {
    case hoped = 0
    case judged = 1
    case unusable = 2
    case unreachable = 3

    var exitCode: ExitCode { ExitCode(rawValue) }
}

/// The Nagios plugin convention, for the monitoring commands.
enum MonitoringStatus: Int32 {
    case ok = 0
    case warning = 1
    case critical = 2
    case unknown = 3

    var exitCode: ExitCode { ExitCode(rawValue) }
}

/// A command whose exit status is a ``MonitoringStatus``: its usage errors exit 3 (UNKNOWN).
protocol MonitoringCommand: ParsableCommand {}

/// The text `staple --help` shows about exit statuses.
enum ExitStatusHelp {
    static let text = """
        Exit status:
          inspect, fetch, serve (and every command that is not a monitoring command):
            0  the answer hoped for
            1  judged, but unwelcome (revoked, unknown, rejected, ...)
            2  usage error or unusable input (the message names the file and the problem)
            3  could not reach what it needs (a responder, a listen address)
          lint, check (monitoring commands, Nagios plugin convention):
            0  OK   1  WARNING   2  CRITICAL   3  UNKNOWN (could not judge, usage errors included)
        No command exits 64.
        """
}
