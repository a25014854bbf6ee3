import ArgumentParser
import Foundation
import RemitLedger

/// Where the ledger is. The read commands open it read-only, beside a running daemon.
struct LedgerOptions: ParsableArguments {
    @Option(name: .customLong("database"), help: ArgumentHelp("The ledger file (default: $REMIT_DATABASE, else ledger.sqlite in the state folder).",
                                            valueName: "path"))
    var databasePath: String?

    @Option(name: .long, help: ArgumentHelp("The demo's state folder.", valueName: "path"))
    var stateDir: String = ProcessInfo.processInfo.environment["REMIT_STATE_DIR"] ?? ".remit-demo"

    var database: String {
        databasePath ?? ProcessInfo.processInfo.environment["REMIT_DATABASE"]
            ?? (stateDir as NSString).appendingPathComponent("ledger.sqlite")
    }

    /// The daemon's configuration file: `explicit`, else $REMIT_CONFIG, else remitd.toml in the state folder.
    func configurationPath(_ explicit: String?) -> String {
        explicit ?? ProcessInfo.processInfo.environment["REMIT_CONFIG"] ?? (stateDir as NSString).appendingPathComponent("remitd.toml")
    }

    func open() throws -> Ledger {
        do {
            return try Ledger.openForReading(path: database)
        } catch let error as LedgerOpenError {
            throw CommandFailure(error.description, exitCode: 66)  // EX_NOINPUT
        }
    }
}

/// A failure to report in one line with its own exit code (documented in each command's help).
struct CommandFailure: Error, CustomStringConvertible {
    let description: String
    let exitCode: Int32
    init(_ description: String, exitCode: Int32 = 1) {
        self.description = description
        self.exitCode = exitCode
    }
}

extension ParsableCommand {
    /// Runs `body`, printing a `CommandFailure` to standard error and exiting with its code.
    func reporting(_ body: () throws -> Void) throws {
        do {
            try body()
        } catch let failure as CommandFailure {
            FileHandle.standardError.write(Data("remitctl: \(failure.description)\n".utf8))
            throw ExitCode(failure.exitCode)
        }
    }
}

/// Parses `YYYY-MM-DD` as midnight UTC, in milliseconds since the epoch.
func parseDay(_ text: String) throws -> Int64 {
    let parts = text.split(separator: "-").compactMap { Int($0) }
    var components = DateComponents()
    components.timeZone = TimeZone(identifier: "UTC")
    guard parts.count == 3, text.count == 10 else { throw ValidationError("not a date (YYYY-MM-DD): \(text)") }
    (components.year, components.month, components.day) = (parts[0], parts[1], parts[2])
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = TimeZone(identifier: "UTC")!
    guard components.isValidDate(in: calendar), let date = calendar.date(from: components) else {
        throw ValidationError("not a date (YYYY-MM-DD): \(text)")
    }
    return Int64(date.timeIntervalSince1970 * 1_000)
}
