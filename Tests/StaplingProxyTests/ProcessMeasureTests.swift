import Foundation
import StapleTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The test kit's process measures that RobustnessTests and the benchmarks rely on: a reading of 0
/// would make a "memory did not grow" check pass whatever happened.
@Suite("process measures")
struct ProcessMeasureTests {
    @Test("resident memory of this process, by nil and by pid, is real and the same order; a gone pid reads 0")
    func residentMemory() {
        let own = ResidentMemory.bytes()
        #expect(own > 1 << 20)
        let byPID = ResidentMemory.bytes(of: getpid())
        #expect(byPID > own / 2 && byPID < own * 2)
        #expect(ResidentMemory.bytes(of: Int32.max) == 0)
    }

    @Test("CPU seconds grow with work, for this process by getrusage and by /proc/PID/stat")
    func cpu() {
        let ownBefore = ProcessCPU.ownSeconds()
        let statBefore = ProcessCPU.seconds(of: getpid())
        var x: UInt64 = 1
        // Work until both clocks have moved (a tick is 10 ms); no bound on how long that takes.
        while ProcessCPU.ownSeconds() <= ownBefore || ProcessCPU.seconds(of: getpid()) <= statBefore {
            for i in 0..<1_000_000 { x = x &* 6_364_136_223_846_793_005 &+ UInt64(i) }
        }
        #expect(ProcessCPU.ownSeconds() > ownBefore && ProcessCPU.seconds(of: getpid()) > statBefore, "\(x)")
        #expect(ProcessCPU.seconds(ofTree: getpid()) >= ProcessCPU.seconds(of: getpid()))
        #expect(ProcessCPU.seconds(of: Int32.max) == 0)
        #expect(ProcessCPU.stat(getpid())?.parent == getppid())
    }
}
