import Dispatch
import Logging
import RemitLedger
import Synchronization

/// Turns the writer's commit reports into what an operations person needs when the ledger
/// cannot commit (disk full, an I/O error, the write lock held by another process): one error
/// line when the trouble starts, one line when commits succeed again, and the
/// `remit_ledger_commit_failing` gauge between them. Per-transfer refusals go to debug, so a full
/// disk under load does not also flood the journal.
///
/// ```swift
/// let watch = CommitWatch(metrics: metrics, logger: logger)
/// await ledger.observeCommits { report in watch.observe(report) }
/// ```
final class CommitWatch: Sendable {
    private struct Episode {
        var failedCommits = 0
        var refusedCommands = 0
        var startedNanoseconds: UInt64 = 0
    }

    private let metrics: GatewayMetrics
    private let logger: Logger
    private let episode = Mutex<Episode?>(nil)

    init(metrics: GatewayMetrics, logger: Logger) {
        self.metrics = metrics
        self.logger = logger
    }

    /// Called on the writer after each commit attempt: only counts and, at a change, logs.
    func observe(_ report: CommitReport, now: UInt64 = DispatchTime.now().uptimeNanoseconds) {
        if let failure = report.failure {
            metrics.commitFailed()
            let first = episode.withLock { current -> Bool in
                let first = current == nil
                if first { current = Episode(startedNanoseconds: now) }
                current!.failedCommits += 1
                current!.refusedCommands += report.commands
                return first
            }
            if first {
                logger.error("the ledger cannot commit: new requests are refused with 9003 STORAGE_UNAVAILABLE until it can",
                             metadata: ["error": "\(failure)"])
            }
        } else if let ended = episode.withLock({ current -> Episode? in defer { current = nil }; return current }) {
            metrics.commitRecovered()
            logger.notice("the ledger commits again", metadata: [
                "failedCommits": "\(ended.failedCommits)", "refusedCommands": "\(ended.refusedCommands)",
                "seconds": "\((now &- ended.startedNanoseconds) / 1_000_000_000)",
            ])
        }
    }
}
