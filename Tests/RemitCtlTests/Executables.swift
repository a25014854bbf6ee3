import Foundation
import XCTest

/// Runs the project's executables, built beside the test bundle, as a user would.
enum Executables {
    static func run(_ name: String, _ arguments: [String], input: Data = Data()) throws
        -> (status: Int32, out: String, err: String)
    {
        let binary = Bundle.main.bundleURL.appendingPathComponent(name)
        guard FileManager.default.isExecutableFile(atPath: binary.path) else {
            throw XCTSkip("\(name) not built at \(binary.path)")
        }
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        stdin.fileHandleForWriting.write(input)
        try stdin.fileHandleForWriting.close()
        // Read both pipes together so a chatty child never blocks on a full pipe.
        let group = DispatchGroup()
        nonisolated(unsafe) var err = Data()
        group.enter()
        DispatchQueue.global().async {
            err = stderr.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let out = stdout.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
    }
}
