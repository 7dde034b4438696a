import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// CPU time a server has used, from `/proc/PID/stat`: utime + stime (fields 14 and 15, in clock
/// ticks) of the process and of every process whose parent it is (nginx's workers), summed.
///
/// A process's `stat` counts all of its threads. The figure does not depend on how fast the load
/// client is: the client shares the machine, but its time is not the server's.
package enum ProcessCPU {
    /// Clock ticks per second (`getconf CLK_TCK`).
    package static let ticksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))

    /// Seconds of CPU used so far by `pid` alone (all its threads).
    package static func seconds(of pid: Int32) -> Double {
        stat(pid).map { Double($0.utime + $0.stime) / ticksPerSecond } ?? 0
    }

    /// Seconds of CPU used so far by `pid` and its children (live ones, not reaped ones).
    package static func seconds(ofTree pid: Int32) -> Double {
        var ticks = 0
        for process in [pid] + children(of: pid) {
            if let stat = stat(process) { ticks += stat.utime + stat.stime }
        }
        return Double(ticks) / ticksPerSecond
    }

    /// The processes whose parent is `pid`.
    package static func children(of pid: Int32) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(Int32.init).filter { stat($0)?.parent == pid }
    }

    package struct Stat: Sendable {
        package var parent: Int32
        package var utime: Int
        package var stime: Int
    }

    /// Fields 4 (ppid), 14 (utime) and 15 (stime) of `/proc/PID/stat`. The command name (field 2) is
    /// in parentheses and may hold spaces, so fields are counted after its closing parenthesis.
    package static func stat(_ pid: Int32) -> Stat? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = text.lastIndex(of: ")")
        else { return nil }
        // After ")": field 3 (state) is at index 0.
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let parent = Int32(fields[1]), let utime = Int(fields[11]), let stime = Int(fields[12])
        else { return nil }
        return Stat(parent: parent, utime: utime, stime: stime)
    }

    /// This process's own CPU seconds so far, user and system, all threads (`getrusage(RUSAGE_SELF)`).
    package static func ownSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6 + Double(usage.ru_stime.tv_sec)
            + Double(usage.ru_stime.tv_usec) / 1e6
    }
}

/// Resident memory (VmRSS of `/proc/PID/status`).
package enum ResidentMemory {
    /// The resident bytes of `pid`, or of this process when nil; 0 when it cannot be read.
    package static func bytes(of pid: Int32? = nil) -> Int {
        let status =
            (try? String(contentsOfFile: "/proc/\(pid.map(String.init) ?? "self")/status", encoding: .utf8)) ?? ""
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }) else { return 0 }
        // "VmRSS:\t  12345 kB"
        let kib = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).dropFirst().first.flatMap { Int($0) } ?? 0
        return kib * 1024
    }
}
