import Foundation
import FuzzChecks

/// The target chosen for this process by `STAPLE_FUZZ_TARGET` (see `Fuzz/run`).
let target: FuzzTarget = {
    let name = ProcessInfo.processInfo.environment["STAPLE_FUZZ_TARGET"] ?? FuzzTarget.ocspResponse.rawValue
    guard let target = FuzzTarget(rawValue: name) else {
        FileHandle.standardError.write(
            Data("unknown STAPLE_FUZZ_TARGET \(name); one of \(FuzzTarget.allCases.map(\.rawValue))\n".utf8))
        exit(2)
    }
    return target
}()

/// libFuzzer's entry point: one input through the target's invariant checks. A broken invariant
/// aborts, so libFuzzer saves the input as a crash artifact.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    do {
        try target.check(Array(UnsafeBufferPointer(start: data, count: size)))
    } catch {
        FileHandle.standardError.write(Data("INVARIANT BROKEN: \(error)\n".utf8))
        abort()
    }
    return 0
}

/// libFuzzer's driver, from the runtime that `-sanitize=fuzzer` links in.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt
) -> CInt

/// The entry point SwiftPM links executables through (`main` is defined as `<module>_main`); with
/// `-parse-as-library` there is no top-level code, so this hands control to libFuzzer's driver.
@_cdecl("StapleFuzz_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    // Build the fixtures before fuzzing: memory first allocated inside an input would be charged to it.
    target.prepare()
    if let directory = ProcessInfo.processInfo.environment["STAPLE_FUZZ_SEEDS"] {
        for (number, seed) in target.generatedSeeds().enumerated() {
            FileManager.default.createFile(atPath: "\(directory)/generated-\(number)", contents: Data(seed))
        }
    }
    var count = argc
    var arguments = argv
    return LLVMFuzzerRunDriver(&count, &arguments, { data, size in fuzzOneInput(data, size) })
}
