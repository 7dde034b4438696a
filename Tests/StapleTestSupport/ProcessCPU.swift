import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// CPU time a server has used, from `/proc/PID/stat`: utime + stime (fields 14 and 15, in clock
/// ticks) of the process and of every process whose parent it is (nginx's workers), summed.
///
/// A process's `stat` counts all of its threads. The figure does not depend on how fast the load
/// client is: the client shares the machine, but its time is not the server's.
enum ProcessCPU {
    /// Clock ticks per second (`getconf CLK_TCK`).
    static let ticksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))

    /// Seconds of CPU used so far by `pid` and its children (live ones, not reaped ones).
    static func seconds(ofTree pid: Int32) -> Double {
        var ticks = 0
        for process in [pid] + children(of: pid) {
            if let stat = stat(process) { ticks += stat.utime + stat.stime }
        }
        return Double(ticks) / ticksPerSecond
    }

    /// The processes whose parent is `pid`.
    static func children(of pid: Int32) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(Int32.init).filter { stat($0)?.parent == pid }
    }

    struct Stat {
        var parent: Int32
        var utime: Int
        var stime: Int
    }

    /// Fields 4 (ppid), 14 (utime) and 15 (stime) of `/proc/PID/stat`. The command name (field 2) is
    /// in parentheses and may hold spaces, so fields are counted after its closing parenthesis.
    static func stat(_ pid: Int32) -> Stat? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = text.lastIndex(of: ")")
        else { return nil }
        // After ")": field 3 (state) is at index 0.
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let parent = Int32(fields[1]), let utime = Int(fields[11]), let stime = Int(fields[12])
        else { return nil }
        return Stat(parent: parent, utime: utime, stime: stime)
    }
}
