import ArgumentParser
import Foundation
import RemitClient
import RemitProtocol

/// `remitctl cancel`: cancels a transfer over the protocol, as its operator would. Before
/// dispatch it is always cancelled; after (protocol version 2), only if every partner that has
/// one of its legs confirms.
struct CancelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cancel", abstract: "Cancel a transfer over the protocol, as its operator.",
        discussion: """
            Examples:
              remitctl cancel --demo 0191f3c2-7a10-7c4e-9d2b-3f6a8e1c5b07 --reason "sender asked"

            Exit codes: 0 cancelled (or refunded: nothing will be paid), 1 not cancelled (the gateway's \
            error is printed: 4003 not cancellable, 4006 a partner did not confirm, ask again), 64 usage, \
            69 gateway unreachable.
            """)

    @OptionGroup var connection: OperatorConnectionOptions
    @Argument(help: "The transfer id (UUID).") var id: String
    @Option(help: "Why, for the record (at most 140 bytes).") var reason = ""
    @Flag(help: "JSON for scripts.") var json = false

    func run() async throws {
        guard let transferId = ID128(id) else {
            throw StandingCommand.fail(CommandFailure("\(id) is not a UUID", exitCode: 64))
        }
        let (status, _) = try await connection.exchange { try await $0.cancel(transferId, reason: reason) }
        if json {
            print(TransferText.json([
                "id": "\(status.transferId)", "state": status.state.name,
                "legs": status.legs.map { ["product": "\($0.product)", "state": $0.state.name] },
            ] as [String: Any]))
        } else {
            print("transfer \(status.transferId) \(status.state.name)")
            for (index, leg) in status.legs.enumerated() { print("  leg \(index) \(leg.product) \(leg.state.name)") }
        }
    }
}
