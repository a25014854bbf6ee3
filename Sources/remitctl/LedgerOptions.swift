import ArgumentParser
import Foundation
import RemitLedger

/// Where the ledger is. The read commands open it read-only, beside a running daemon.
struct LedgerOptions: ParsableArguments {
    @Option(name: .customLong("database"), help: ArgumentHelp("The ledger file (default: $REMIT_DATABASE, else ledger.sqlite in the state folder).",
                                            valueName: "path"))
    var databasePath: String?

    @Option(name: .long, help: ArgumentHelp(stateFolderHelp, valueName: "path"))
    var stateDir: String = defaultStateFolder()

    var database: String {
        databasePath ?? ProcessInfo.processInfo.environment["REMIT_DATABASE"]
            ?? (stateDir as NSString).appendingPathComponent("ledger.sqlite")
    }

    /// The daemon's configuration file: `explicit`, else $REMIT_CONFIG, else remitd.toml in the
    /// state folder (the demo's), else an installed gateway's /etc/remitd/remitd.toml.
    func configurationPath(_ explicit: String?) -> String {
        if let path = explicit ?? ProcessInfo.processInfo.environment["REMIT_CONFIG"] { return path }
        let beside = (stateDir as NSString).appendingPathComponent("remitd.toml")
        if !FileManager.default.fileExists(atPath: beside), FileManager.default.fileExists(atPath: installedConfiguration) {
            return installedConfiguration
        }
        return beside
    }

    func open() throws -> Ledger {
        do {
            return try Ledger.openForReading(path: database)
        } catch let error as LedgerOpenError {
            throw CommandFailure(error.description, exitCode: 66)  // EX_NOINPUT
        }
    }
}

let installedStateFolder = "/var/lib/remitd"
let installedConfiguration = "/etc/remitd/remitd.toml"
let stateFolderHelp = "The state folder, with the ledger and the admin socket (default: $REMIT_STATE_DIR, else ./.remit-demo, else \(installedStateFolder) where deploy/install.sh puts them)."

/// Where the ledger and the admin socket are: $REMIT_STATE_DIR, else the demo's folder here,
/// else an installed gateway's (deploy/remitd.service), so that operations staff on the
/// gateway's machine type `remitctl status` and nothing more.
func defaultStateFolder() -> String {
    if let folder = ProcessInfo.processInfo.environment["REMIT_STATE_DIR"] { return folder }
    let manager = FileManager.default
    if !manager.fileExists(atPath: ".remit-demo"),
       manager.fileExists(atPath: (installedStateFolder as NSString).appendingPathComponent("ledger.sqlite")) {
        return installedStateFolder
    }
    return ".remit-demo"
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
