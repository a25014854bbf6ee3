import ArgumentParser
import Foundation
import RemitClient
import RemitDomain
import RemitLedger
import RemitProtocol

extension ProjectsCommand {
    /// `remitctl projects receipt TRANSFER`: a contribution's receipt as its operator sees it,
    /// over the protocol (version 3, GetContributionReceipt), the way an operator's own system
    /// would ask for it to give the sender.
    struct ReceiptCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "receipt",
            abstract: "A contribution's receipt, as the operator whose transfer made it (over the protocol).",
            discussion: """
            Asks the gateway as the operator (GetContributionReceipt, protocol version 3): the receipt \
            exists once the transfer's contribution leg is paid into the project.
            Exit codes: 0 shown, 1 refused (no such contribution of this operator: 3003), 69 gateway not reachable.
            """)
        @OptionGroup var connection: OperatorConnectionOptions
        @Argument(help: "The contributing transfer's id.") var transfer: String
        @Option(help: "The transfer's leg that contributed.") var leg: UInt8 = 0
        @Flag(help: "JSON for scripts.") var json = false

        func run() async throws {
            guard let id = ID128(transfer) else {
                FileHandle.standardError.write(Data("remitctl: \(transfer) is not a transfer id (UUID text)\n".utf8))
                throw ExitCode(64)
            }
            let (receipt, operatorId) = try await connection.exchange {
                try await $0.contributionReceipt(transferId: id, legIndex: leg)
            }
            print(json ? Self.json(receipt, operatorId: operatorId) : Self.text(receipt, operatorId: operatorId))
        }

        static func money(_ minor: Int64, _ code: CurrencyCode) -> String {
            guard let currency = try? Currency(code.description) else { return "\(code) \(minor) minor units" }
            return "\(currency.code) \(Money(minor, currency).formatted)"
        }

        static func text(_ r: RemitProtocol.ContributionReceipt, operatorId: String) -> String {
            let receipt = r.receipt
            var lines = [
                "receipt \(receipt.number) of project \(r.projectId): \(r.title)",
                "\(money(receipt.amount, r.currency)) from \(receipt.contributorName) (\(receipt.sendCountry)) through "
                    + "\(operatorId), transfer \(receipt.transferId?.description ?? "-") leg \(receipt.legIndex)",
                "received \(Ledger.utcTimestamp(receipt.receivedAt)), \(receipt.state.name.lowercased())",
            ]
            let matched = receipt.matches.reduce(0) { $0 + $1.amount }
            lines.append(receipt.matches.isEmpty ? "not matched"
                : "matched \(money(matched, r.currency)): "
                    + receipt.matches.map { "\($0.sponsorId) \(money($0.amount, r.currency))" }.joined(separator: ", "))
            return lines.joined(separator: "\n")
        }

        static func json(_ r: RemitProtocol.ContributionReceipt, operatorId: String) -> String {
            let receipt = r.receipt
            return TransferText.json([
                "project": r.projectId, "title": r.title, "operator": operatorId, "number": Int(receipt.number),
                "transfer": receipt.transferId?.description ?? "", "leg": Int(receipt.legIndex),
                "contributor": receipt.contributorName, "sendCountry": receipt.sendCountry.description,
                "currency": r.currency.description, "amountMinor": receipt.amount,
                "receivedAt": Ledger.utcTimestamp(receipt.receivedAt), "state": receipt.state.name.lowercased(),
                "matches": receipt.matches.map { ["sponsor": $0.sponsorId, "amountMinor": $0.amount] as [String: Any] },
            ] as [String: Any])
        }
    }
}
