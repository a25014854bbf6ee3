import ArgumentParser
import Foundation

/// The gateway daemon. The TLS server, ledger and payouts are wired in here as they land; until
/// then it refuses to pretend to run.
@main
struct Remitd: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remitd",
        abstract: "The Remit Gateway daemon.")

    @Flag(help: "Start on the embedded demo defaults in ./.remit-demo/.")
    var demo = false

    @Option(help: "The configuration file (TOML).")
    var config: String?

    func run() throws {
        FileHandle.standardError.write(Data("""
            remitd: cannot serve yet. This build has the wire protocol (Protocol/PROTOCOL.md), its codec \
            and the client library, but not the gateway server, ledger or payouts. See README.md.

            """.utf8))
        throw ExitCode(69)  // EX_UNAVAILABLE
    }
}
