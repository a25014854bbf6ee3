import ArgumentParser
import Foundation
import RemitGateway
import RemitLedger

/// `remitctl backup`: a consistent copy of the ledger taken while the daemon runs (SQLite's
/// online backup, page by page under a read transaction), verified before it counts as written.
/// `--into DIR --keep N` is what remitd-backup.timer runs: time-named copies, the newest N kept.
struct BackupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Copy the ledger to a new file, consistently, while the daemon runs; then verify the copy.",
        discussion: """
            `remitctl backup FILE` writes FILE; `remitctl backup --into DIR --keep 14` writes \
            DIR/ledger-YYYYMMDDTHHMMSSZ.sqlite and then removes all but the newest 14 such files in \
            DIR (only after the new copy verifies). Exit codes: 0 written and verified; 1 the copy \
            does not verify (it is left for inspection and nothing is removed); 64 usage; 66 no \
            readable ledger; 73 the destination exists or cannot be written.
            """)

    static let namePrefix = "ledger-", nameSuffix = ".sqlite"

    @OptionGroup var ledger: LedgerOptions
    @Argument(help: "The new file.") var destination: String?
    @Option(help: ArgumentHelp("A folder for time-named copies instead of FILE.", valueName: "folder")) var into: String?
    @Option(help: "With --into: keep this many newest copies there (1 to 10000), removing older ones.") var keep: Int?

    func validate() throws {
        guard (destination == nil) != (into == nil) else { throw ValidationError("give either FILE or --into FOLDER") }
        if let keep {
            guard into != nil else { throw ValidationError("--keep goes with --into") }
            guard (1...10_000).contains(keep) else { throw ValidationError("--keep must be 1 to 10000") }
        }
    }

    func run() throws {
        try reporting {
            let path: String
            if let into {
                var isFolder: ObjCBool = false
                guard FileManager.default.fileExists(atPath: into, isDirectory: &isFolder), isFolder.boolValue else {
                    throw CommandFailure("\(into) is not a folder", exitCode: 73)
                }
                path = (into as NSString).appendingPathComponent(Self.namePrefix + Self.stamp(Date()) + Self.nameSuffix)
            } else {
                path = destination!
            }
            do {
                try ledger.open().backup(to: path)
            } catch let error as LedgerOpenError {
                throw CommandFailure(error.description, exitCode: 73)  // EX_CANTCREAT
            } catch let error as CommandFailure {
                throw error
            } catch {
                throw CommandFailure("cannot write \(path): \(error)", exitCode: 73)
            }
            let report = try Self.verify(path)
            print("backup written to \(path); \(report)")
            guard report.isClean else { throw ExitCode(1) }
            if let into, let keep {
                for old in try Self.copies(in: into).dropLast(keep) {
                    let file = (into as NSString).appendingPathComponent(old)
                    for companion in ["-wal", "-shm"] { try? FileManager.default.removeItem(atPath: file + companion) }
                    try FileManager.default.removeItem(atPath: file)
                    print("removed \(old) (keeping the newest \(keep))")
                }
            }
        }
    }

    /// Verifies a copy, then removes the `-shm` and empty `-wal` files that reading it (a WAL
    /// database) left beside it, so that the copy is one self-contained file.
    static func verify(_ path: String) throws -> VerificationReport {
        let report = try Ledger.openForReading(path: path).verify()
        removeEmptyCompanions(path)
        return report
    }

    static func removeEmptyCompanions(_ path: String) {
        let manager = FileManager.default
        let size = (try? manager.attributesOfItem(atPath: path + "-wal"))?[.size] as? Int
        guard size == nil || size == 0 else { return }  // a WAL with pages is part of the database
        try? manager.removeItem(atPath: path + "-wal")
        try? manager.removeItem(atPath: path + "-shm")
    }

    /// UTC, to the second, in a form that sorts by time as text.
    static func stamp(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        return formatter.string(from: date)
    }

    /// The time-named copies in `folder`, oldest first; any other file is never touched.
    static func copies(in folder: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder).filter {
            $0.hasPrefix(namePrefix) && $0.hasSuffix(nameSuffix)
                && $0.count == namePrefix.count + 16 + nameSuffix.count
        }.sorted()
    }
}

/// `remitctl restore BACKUP`: puts a verified backup in the ledger's place while the daemon is
/// stopped. The ledger it replaces is moved aside with its WAL, never deleted: a restore that
/// turns out wrong can be undone by moving it back.
struct RestoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Replace the ledger with a verified backup (the daemon must be stopped).",
        discussion: """
            Checks that the daemon does not answer on its admin socket, verifies the backup (the \
            hash chain, balances against postings), moves the current ledger and its -wal and -shm \
            files aside as ledger.sqlite.replaced-YYYYMMDDTHHMMSSZ, copies the backup into place \
            with the replaced file's owner and mode, and verifies it there. Then start remitd. \
            Exit codes: 0 restored; 1 the backup does not verify (nothing changed); 65 the file has a \
            WAL beside it (a copy of a live ledger, not a backup); 66 no readable backup; 73 cannot \
            write the ledger's folder; 75 the daemon is running (stop it first).
            """)

    @OptionGroup var ledger: LedgerOptions
    @Option(help: "The daemon's admin socket (default: admin.sock in the state folder).") var socket: String?
    @Argument(help: "The backup file.") var backup: String

    func run() throws {
        try reporting {
            let socketPath = socket ?? (ledger.stateDir as NSString).appendingPathComponent("admin.sock")
            if (try? AdminSocketClient(path: socketPath).send(AdminRequest(command: "status"))) != nil {
                throw CommandFailure("remitd answers on \(socketPath): stop it first (systemctl stop remitd)", exitCode: 75)
            }
            // Also when its admin socket is elsewhere or gone: the writer's lock on the ledger.
            if let pid = Ledger.writerProcess(path: ledger.database) {
                throw CommandFailure("\(ledger.database) is open for writing (\(pid > 0 ? "pid \(pid)" : "pid unknown")): stop remitd first (systemctl stop remitd)", exitCode: 75)
            }
            if let size = (try? FileManager.default.attributesOfItem(atPath: backup + "-wal"))?[.size] as? Int, size > 0 {
                throw CommandFailure("\(backup)-wal holds pages that are not in \(backup): it is a copy of a live ledger, not a backup (which is one file); take one with `remitctl backup` instead", exitCode: 65)
            }
            let report: VerificationReport
            do { report = try BackupCommand.verify(backup) } catch let error as LedgerOpenError {
                throw CommandFailure("\(backup): \(error.description)", exitCode: 66)
            } catch {
                throw CommandFailure("\(backup) is not a readable ledger: \(error)", exitCode: 66)
            }
            guard report.isClean else { throw CommandFailure("\(backup) does not verify: \(report)", exitCode: 1) }

            let target = ledger.database, manager = FileManager.default
            let folder = (target as NSString).deletingLastPathComponent
            let stamp = BackupCommand.stamp(Date())
            var attributes: [FileAttributeKey: Any] = [.posixPermissions: 0o660]
            if let old = try? manager.attributesOfItem(atPath: target) {
                for key in [FileAttributeKey.ownerAccountID, .groupOwnerAccountID, .posixPermissions] { attributes[key] = old[key] }
            }
            // Copied beside the target first, so that the rename into place is atomic.
            let incoming = target + ".restoring-\(stamp)"
            do {
                try manager.copyItem(atPath: backup, toPath: incoming)
                let handle = try FileHandle(forUpdating: URL(fileURLWithPath: incoming))
                try handle.synchronize()
                try handle.close()
                try? manager.setAttributes(attributes, ofItemAtPath: incoming)
            } catch {
                try? manager.removeItem(atPath: incoming)
                throw CommandFailure("cannot write in \(folder.isEmpty ? "." : folder): \(error)", exitCode: 73)
            }
            var movedAside: [String] = []
            for suffix in ["", "-wal", "-shm"] where manager.fileExists(atPath: target + suffix) {
                let aside = "\(target).replaced-\(stamp)\(suffix)"
                try manager.moveItem(atPath: target + suffix, toPath: aside)
                movedAside.append(aside)
            }
            try manager.moveItem(atPath: incoming, toPath: target)
            let restored = try BackupCommand.verify(target)
            for aside in movedAside { print("moved aside: \(aside)") }
            print("restored \(backup) to \(target); \(restored)")
            print("start remitd now (systemctl start remitd), then check: remitctl verify; remitctl status")
            if !restored.isClean { throw ExitCode(1) }
        }
    }
}
