import Foundation

/// The one writer's claim on a ledger: an exclusive `flock` on `PATH-lock`, taken before the
/// ledger is opened for writing and held until the `Ledger` goes away (or its process ends, when
/// the system drops it). A second writer in any process is refused at once, naming the holder.
///
/// Why: the writer keeps the chains' tails, event counters and hold accounts in memory between
/// commits (`WriteContext`), so a second writer on the same file would write hashes and sequence
/// numbers from a stale copy; and a second `remitd` started by mistake ran its payout dispatcher
/// over the same outbox and took over the first one's admin socket before failing to bind its
/// ports, leaving the running daemon unreachable by `remitctl`.
///
///     let lock = try WriterLock(ledger: "/var/lib/remit/ledger.sqlite")   // or LedgerOpenError.inUse
///     // … write …; the lock is released when `lock` is released
final class WriterLock: Sendable {
    private let descriptor: Int32

    init(ledger: String) throws {
        let path = ledger + "-lock"
        // Close-on-exec: a process the holder starts (a test's remitd) must not inherit the lock.
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw LedgerOpenError.notWritable(path, String(cString: strerror(errno))) }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let holder = Self.holder(descriptor)
            close(descriptor)
            throw LedgerOpenError.inUse(ledger, pid: holder)
        }
        // The holder's pid, for the message a second writer gets; the lock itself is the flock.
        let text = "\(getpid())\n"
        _ = ftruncate(descriptor, 0)
        _ = text.withCString { pwrite(descriptor, $0, strlen($0), 0) }
        self.descriptor = descriptor
    }

    deinit { close(descriptor) }

    /// The process holding the ledger's writer lock now, if any (0 when it cannot tell which):
    /// what `remitctl restore` checks before it moves a ledger aside.
    static func holder(ofLedger ledger: String) -> Int32? {
        let descriptor = open(ledger + "-lock", O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        if flock(descriptor, LOCK_SH | LOCK_NB) == 0 {
            flock(descriptor, LOCK_UN)
            return nil
        }
        return holder(descriptor)
    }

    private static func holder(_ descriptor: Int32) -> Int32 {
        var buffer = [CChar](repeating: 0, count: 32)
        let count = pread(descriptor, &buffer, buffer.count - 1, 0)
        guard count > 0 else { return 0 }
        let text = String(cString: buffer).trimmingCharacters(in: .whitespacesAndNewlines)
        return Int32(text) ?? 0
    }
}
