#if REMIT_FUZZ
// Built by Fuzz/run.sh with -sanitize=fuzzer. SwiftPM makes `RemitFuzz_main` the program's
// entry point, so it hands control to libFuzzer's driver; libFuzzer's archive also expects
// `LLVMFuzzerTestOneInput` to exist.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    FuzzHarness.run(UnsafeRawBufferPointer(start: data, count: size))
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

/// Built normally, RemitFuzz replays inputs (files, or every file in a folder) through the
/// harness: the way to reproduce a fuzzer finding in a debugger, and a check in `swift test`.
@main
enum Replay {
    static func main() throws {
        let paths = CommandLine.arguments.dropFirst()
        guard !paths.isEmpty else {
            print("usage: RemitFuzz FILE_OR_FOLDER...  (replays inputs through the decoders)")
            return
        }
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
                data.withUnsafeBytes { FuzzHarness.run($0) }
                count += 1
            }
        }
        print("replayed \(count) inputs")
    }
}
#endif
