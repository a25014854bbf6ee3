import ArgumentParser
import Foundation
import RemitClient
import RemitLedger
import RemitProtocol

/// `remitctl standing`: beneficiaries' standing instructions (protocol version 2). `set`, `show`
/// and `delete` speak the protocol as the operator, as its own systems would; `list` reads the
/// ledger, for operations.
struct StandingCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "standing", abstract: "Beneficiaries' standing instructions: default splits for transfers that opt in.",
        discussion: """
            A standing instruction sends a share of every transfer to a beneficiary that opts in \
            (`remitctl send --standing-instruction`, or the Transfer option APPLY_STANDING_INSTRUCTION) \
            to other products, such as 10 % into a savings account; the transfer's own leg keeps the rest.

            Examples:
              remitctl standing set --demo --beneficiary-account 254712345678 \\
                --leg savingsDeposit:1000:SAV-001:KMFI --reference CONSENT-77
              remitctl standing show --demo --beneficiary-account 254712345678
              remitctl standing delete --demo --beneficiary-account 254712345678
              remitctl standing list --json
            """,
        subcommands: [Set.self, Show.self, Delete.self, List.self])

    struct Set: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Register or replace a beneficiary's standing instruction, as the operator.",
            discussion: "Exit codes: 0 stored, 1 refused (the gateway's error is printed), 64 usage, 69 gateway unreachable.")
        @OptionGroup var connection: OperatorConnectionOptions
        @Option(help: "The operator's account for the beneficiary, as its transfers name it.") var beneficiaryAccount: String
        @Option(help: "A leg PRODUCT:SHARE:ACCOUNT[:INSTITUTION]; repeat for several. Shares leave the transfer's own leg the rest.")
        var leg: [String] = []
        @Option(help: "Your reference for the instruction (the beneficiary's consent, say).") var reference = ""
        @Flag(help: "JSON for scripts.") var json = false

        func run() async throws {
            let legs = try StandingCommand.catching { try leg.map(LegArgument.parse) }
            guard !legs.isEmpty else {
                throw StandingCommand.fail(CommandFailure("give at least one --leg (or use `standing delete`)", exitCode: 64))
            }
            try await StandingCommand.store(connection, SetStandingInstruction(
                beneficiaryAccount: beneficiaryAccount, reference: reference, legs: legs), json: json)
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete a beneficiary's standing instruction, as the operator.",
            discussion: "Exit codes: 0 deleted (or there was none), 1 refused, 64 usage, 69 gateway unreachable.")
        @OptionGroup var connection: OperatorConnectionOptions
        @Option(help: "The operator's account for the beneficiary.") var beneficiaryAccount: String
        @Flag(help: "JSON for scripts.") var json = false

        func run() async throws {
            try await StandingCommand.store(connection, SetStandingInstruction(
                beneficiaryAccount: beneficiaryAccount, legs: []), json: json)
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show a beneficiary's standing instruction, as the operator sees it.",
            discussion: "Exit codes: 0 shown (no legs: none in force), 1 refused, 64 usage, 69 gateway unreachable.")
        @OptionGroup var connection: OperatorConnectionOptions
        @Option(help: "The operator's account for the beneficiary.") var beneficiaryAccount: String
        @Flag(help: "JSON for scripts.") var json = false

        func run() async throws {
            let (instruction, operatorId) = try await connection.exchange {
                try await $0.standingInstruction(beneficiaryAccount: beneficiaryAccount)
            }
            print(json ? StandingCommand.json(instruction, operatorId: operatorId)
                  : StandingCommand.text(instruction, operatorId: operatorId))
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the standing instructions in force, from the ledger.",
            discussion: "Exit codes: 0 listed, 66 no ledger.")
        @OptionGroup var ledger: LedgerOptions
        @Option(name: .customLong("operator"), help: "One operator's only.") var operatorId: String?
        @Option(help: "At most this many (1 to 100000).") var limit = 1_000
        @Flag(help: "JSON for scripts.") var json = false

        func validate() throws {
            guard (1...100_000).contains(limit) else { throw ValidationError("--limit must be 1 to 100000") }
        }

        func run() throws {
            try reporting {
                let records = try ledger.open().standingInstructions(operatorId: operatorId, limit: limit)
                if json {
                    print(TransferText.json(["instructions": records.map { record -> [String: Any] in
                        ["operator": record.operatorId, "beneficiaryAccount": record.beneficiaryAccount,
                         "reference": record.reference, "revision": record.revision,
                         "updatedAt": Ledger.utcTimestamp(record.updatedAt),
                         "legs": record.legs.map { ["product": $0.product, "share": Int($0.share),
                                                    "institution": $0.institution, "account": $0.account] }]
                    }]))
                    return
                }
                let rows = records.map { record in
                    [record.operatorId, record.beneficiaryAccount, String(record.revision),
                     record.legs.map { "\($0.product) \(TransferText.percent($0.share)) \($0.account)\($0.institution.isEmpty ? "" : "@\($0.institution)")" }
                        .joined(separator: ", "),
                     record.reference, Ledger.utcTimestamp(record.updatedAt)]
                }
                print(TransferText.align([["OPERATOR", "BENEFICIARY ACCOUNT", "REV", "LEGS", "REFERENCE", "UPDATED (UTC)"]] + rows)
                      + (records.isEmpty ? "\n(no standing instructions)" : ""))
            }
        }
    }

    // MARK: shared

    static func store(_ connection: OperatorConnectionOptions, _ instruction: SetStandingInstruction, json: Bool) async throws {
        let (stored, operatorId) = try await connection.exchange { try await $0.setStandingInstruction(instruction) }
        print(json ? Self.json(stored, operatorId: operatorId) : text(stored, operatorId: operatorId))
    }

    static func catching<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let failure as CommandFailure { throw fail(failure) }
    }

    static func fail(_ failure: CommandFailure) -> ExitCode {
        FileHandle.standardError.write(Data("remitctl: \(failure.description)\n".utf8))
        return ExitCode(failure.exitCode)
    }

    static func text(_ instruction: StandingInstruction, operatorId: String) -> String {
        guard !instruction.legs.isEmpty else {
            return "operator \(operatorId), beneficiary account \(instruction.beneficiaryAccount): no standing instruction"
                + (instruction.revision > 0 ? " (revision \(instruction.revision), deleted)" : "")
        }
        let kept = 10_000 - instruction.legs.reduce(0) { $0 + Int($1.share) }
        var lines = ["operator \(operatorId), beneficiary account \(instruction.beneficiaryAccount), revision \(instruction.revision)"
                     + (instruction.reference.isEmpty ? "" : ", reference \(instruction.reference)")]
        lines.append(TransferText.align([["LEG", "PRODUCT", "SHARE", "ACCOUNT", "INSTITUTION"],
                            ["0", "(the transfer's own)", TransferText.percent(UInt16(kept)), "", ""]]
                           + instruction.legs.enumerated().map { index, leg in
                               [String(index + 1), "\(leg.product)", TransferText.percent(leg.share), leg.account,
                                leg.institution.isEmpty ? "(routed)" : leg.institution]
                           }))
        return lines.joined(separator: "\n")
    }

    static func json(_ instruction: StandingInstruction, operatorId: String) -> String {
        TransferText.json([
            "operator": operatorId, "beneficiaryAccount": instruction.beneficiaryAccount,
            "reference": instruction.reference, "revision": Int(instruction.revision),
            "updatedAt": instruction.updatedAt == 0 ? "" : Ledger.utcTimestamp(instruction.updatedAt),
            "legs": instruction.legs.map { ["product": "\($0.product)", "share": Int($0.share), "institution": $0.institution,
                                           "account": $0.account] },
        ] as [String: Any])
    }
}
