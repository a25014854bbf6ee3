import Logging
import RemitLedger
import ServiceLifecycle

/// Refunds collective-remittance projects that missed their deadline (docs/projects.md): every
/// `intervalMs`, and again at once while a round returned a full batch, so that a project of
/// many contributions is refunded in bounded ledger commands one after another.
struct ProjectDeadlines: Service {
    let ledger: Ledger
    let clock: @Sendable () -> Int64
    let logger: Logger
    var intervalMs: Int64 = 30_000
    /// Contributions returned per ledger command.
    var batch = 200

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while true {
                await refundDue()
                try await Task.sleep(for: .milliseconds(intervalMs))
            }
        }
    }

    /// Refunds what is due now; returns the number of rounds it took.
    @discardableResult
    func refundDue() async -> Int {
        var rounds = 0
        while true {
            rounds += 1
            switch await ledger.apply(.expireProjects(asOf: clock(), limit: batch)) {
            case .done(let entries) where !entries.isEmpty:
                logger.notice("project contributions refunded", metadata: ["entries": "\(entries.count)"])
                // A full batch may have left more; an empty round means nothing is due.
                continue
            case .rejected(let error):
                logger.error("project refunds not recorded", metadata: ["error": "\(error)"])
                return rounds
            default:
                return rounds
            }
        }
    }
}
