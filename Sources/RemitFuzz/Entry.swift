#if REMIT_FUZZ
import Foundation

// Built by Fuzz/run.sh with -sanitize=fuzzer. SwiftPM makes `RemitFuzz_main` the program's
// entry point, so it hands control to libFuzzer's driver; libFuzzer's archive also expects
// `LLVMFuzzerTestOneInput` to exist. REMIT_FUZZ_TARGET names the target (default: frames).
let selectedTarget: FuzzTarget = {
    let name = ProcessInfo.processInfo.environment["REMIT_FUZZ_TARGET"] ?? "frames"
    guard let target = FuzzTarget(rawValue: name) else {
        fatalError("REMIT_FUZZ_TARGET=\(name): known targets are \(FuzzTarget.allCases.map(\.rawValue))")
    }
    return target
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    selectedTarget.run(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}

@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<Int32>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
) -> Int32

@_cdecl("RemitFuzz_main")
public func remitFuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv) { data, size in fuzzOneInput(data, size) }
}
#else
import Foundation

/// Built normally, RemitFuzz replays inputs (files, or every file in a folder) through one
/// target: the way to reproduce a fuzzer finding in a debugger.
@main
enum Replay {
    static func main() throws {
        let arguments = CommandLine.arguments.dropFirst()
        guard let name = arguments.first, let target = FuzzTarget(rawValue: name), arguments.count > 1 else {
            print("usage: RemitFuzz TARGET FILE_OR_FOLDER...  (replays inputs through a target: "
                  + FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ") + ")")
            return
        }
        let paths = arguments.dropFirst()
        var count = 0
        for path in paths {
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
                throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: path])
            }
            let files = isFolder.boolValue
                ? try FileManager.default.contentsOfDirectory(atPath: path).sorted().map { "\(path)/\($0)" } : [path]
            for file in files {
                let data = try Data(contentsOf: URL(fileURLWithPath: file))
                data.withUnsafeBytes { target.run($0) }
                count += 1
            }
        }
        print("replayed \(count) inputs")
    }
}
#endif
