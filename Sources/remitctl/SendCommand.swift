import ArgumentParser
import Foundation
import RemitClient
import RemitDomain
import RemitGateway
import RemitProtocol

/// `remitctl send`: one remittance through the real protocol client, as an operator would send
/// it. With `--demo`, the operator's certificate, the CA and the address come from the demo's
/// state folder.
struct SendCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "send", abstract: "Send one remittance over the protocol, as an operator.",
        discussion: """
            Examples:
              remitctl send --demo --amount 100.00 --currency USD --to KE
              remitctl send --demo --amount 250.00 --currency USD --to KE \\
                --leg mobileWallet:7000:254712345678 --leg savingsDeposit:3000:SAV-001:KMFI
              remitctl send --demo --amount 100.00 --currency USD --to KE --standing-instruction

            A leg is PRODUCT:SHARE:ACCOUNT[:INSTITUTION], SHARE in basis points of 10000. \
            Exit codes: 0 accepted, 1 rejected or failed, 64 usage, 69 gateway unreachable.
            """)

    @OptionGroup var connection: OperatorConnectionOptions

    @Option(help: "The amount in major units, e.g. 100.00.") var amount: String
    @Option(help: "The send currency (ISO 4217).") var currency: String
    @Option(help: "The payout country (ISO 3166-1 alpha-2).") var to: String
    @Option(help: "The send country (default: the first corridor's for this currency and destination).") var from: String?
    @Option(help: "The payout currency (default: the corridor's).") var payoutCurrency: String?
    @Flag(help: "The amount is what the beneficiary receives, in the payout currency.") var receive = false
    @Option(help: "The transfer id (UUID; default a new random one).") var id: String?
    @Option(help: "Your reference for this transfer.") var reference = ""
    @Option var senderName = "Maria Lopez"
    @Option var senderAccount = "ACC-1001"
    @Option var senderPhone: UInt64 = 12_025_550_143
    @Option var beneficiaryName = "Grace Wanjiru"
    @Option var beneficiaryAccount = "254712345678"
    @Option var beneficiaryPhone: UInt64 = 254_712_345_678
    @Option(help: "A payout leg PRODUCT:SHARE:ACCOUNT[:INSTITUTION]; repeat for several.") var leg: [String] = []
    @Flag(help: "Split the one leg by the beneficiary account's standing instruction (protocol version 2).")
    var standingInstruction = false
    @Flag(help: "JSON for scripts.") var json = false

    func run() async throws {
        do {
            try await send()
        } catch let failure as CommandFailure {
            FileHandle.standardError.write(Data("remitctl: \(failure.description)\n".utf8))
            throw ExitCode(failure.exitCode)
        }
    }

    private func send() async throws {
        let corridors = try connection.corridors()
        let corridor = corridors.first {
            $0.sendCurrency.code == currency && $0.payoutCountry == to && (from == nil || $0.sendCountry == from)
        }
        guard let sendCountry = CountryCode(from ?? corridor?.sendCountry ?? ""),
              let payoutCountry = CountryCode(to),
              let payoutCurrencyCode = CurrencyCode(payoutCurrency ?? corridor?.payoutCurrency.code ?? ""),
              let sendCurrencyCode = CurrencyCode(currency)
        else {
            throw CommandFailure("no corridor known for \(currency) to \(to): give --from and --payout-currency", exitCode: 64)
        }
        let amountCurrency = try Currency(receive ? payoutCurrencyCode.description : currency)
        guard let minor = Money.parseMinorUnits(amount, amountCurrency), minor > 0 else {
            throw CommandFailure("--amount \(amount) is not a positive amount in \(amountCurrency.code)", exitCode: 64)
        }
        var legs = try leg.map(LegArgument.parse)
        if legs.isEmpty { legs = [Leg(product: .mobileWallet, share: 10_000, account: beneficiaryAccount)] }
        let transferId: ID128
        if let id {
            guard let parsed = ID128(id) else { throw CommandFailure("--id \(id) is not a UUID", exitCode: 64) }
            transferId = parsed
        } else {
            // Time-ordered, as PROTOCOL.md recommends: such ids land together in the ledger's indexes.
            transferId = .version7(unixMilliseconds: UInt64(Date().timeIntervalSince1970 * 1_000))
        }
        let transfer = Transfer(
            transferId: transferId, quoteId: nil, amount: minor, senderPhone: senderPhone,
            beneficiaryPhone: beneficiaryPhone, senderDateOfBirth: 0, sendCurrency: sendCurrencyCode,
            payoutCurrency: payoutCurrencyCode, sendCountry: sendCountry, payoutCountry: payoutCountry,
            amountMode: receive ? .receive : .send, purpose: .familySupport, legFailurePolicy: .refundLeg,
            applyStandingInstruction: standingInstruction, operatorReference: reference, senderName: senderName, senderAccount: senderAccount, senderAddress: "",
            senderNationalId: "", senderPlaceOfBirth: "", beneficiaryName: beneficiaryName,
            beneficiaryAccount: beneficiaryAccount, legs: legs)

        let client = try await connection.connect()
        let results: [TransferResult]
        do {
            results = try await client.submit([transfer])
            try? await client.close()
        } catch {
            try? await client.close()
            throw CommandFailure("the gateway refused the request: \(error)")
        }
        let result = results[0]
        let accepted = result.errorCode == .none
        let sendCurrency = try Currency(currency), payCurrency = try Currency(payoutCurrencyCode.description)
        if json {
            print(TransferText.json([
                "id": "\(result.transferId)", "operator": client.welcome.operatorId, "state": result.state.name,
                "errorCode": Int(result.errorCode.rawValue), "error": result.errorCode.description,
                "sendAmount": result.sendAmount, "fee": result.fee, "payoutAmount": result.payoutAmount,
                "sendCurrency": currency, "payoutCurrency": payCurrency.code, "replayed": result.replayed,
            ] as [String: Any]))
        } else if accepted {
            print("""
                transfer \(result.transferId) \(result.state.name)\(result.replayed ? " (replayed: sent before)" : "")
                  send   \(Money(result.sendAmount, sendCurrency))  fee \(Money(result.fee, sendCurrency))
                  payout \(Money(result.payoutAmount, payCurrency)) to \(to)
                """)
        } else {
            print("transfer \(result.transferId) \(result.state.name): \(result.errorCode) (field \(result.fieldId))")
        }
        if !accepted { throw ExitCode(1) }
    }
}
