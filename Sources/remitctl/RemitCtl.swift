import ArgumentParser

/// The operator CLI. Commands that read the ledger or talk to the daemon arrive with them.
@main
struct RemitCtl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remitctl",
        abstract: "Operate a Remit Gateway.",
        subcommands: [
            StatusCommand.self, SendCommand.self, CancelCommand.self, StandingCommand.self, TransfersCommand.self, OperatorsCommand.self, PartnersCommand.self, InDoubtCommand.self, RatesCommand.self, ReviewCommand.self, AuditCommand.self, VerifyCommand.self, TrialBalanceCommand.self, AccountsCommand.self, ExportCommand.self, BackupCommand.self, RestoreCommand.self, CertsCommand.self, ReconcileCommand.self, ReportCommand.self, ProtocolCommand.self, ProjectsCommand.self,
        ])
}
