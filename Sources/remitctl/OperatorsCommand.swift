import ArgumentParser
import Foundation
import RemitGateway

/// `remitctl operators list|show|fund|withdraw`: operators with their money and limits (read from
/// the ledger and the configuration), and prefund movements, through the daemon's admin socket so
/// that the ledger keeps its one writer.
struct OperatorsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "operators", abstract: "Operators with their prefunds and limits; fund a prefund, or withdraw from it.",
        subcommands: [List.self, Show.self, Fund.self, Withdraw.self])

    struct SocketOptions: ParsableArguments {
        @Option(help: "The daemon's admin socket (default: admin.sock in the state folder).") var socket: String?
        @Option(help: ArgumentHelp(stateFolderHelp)) var stateDir = defaultStateFolder()

        var path: String { socket ?? (stateDir as NSString).appendingPathComponent("admin.sock") }
    }

    struct Fund: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record money the operator sent to the gateway's settlement account.",
            discussion: "Exit codes: 0 recorded, 1 refused, 69 the daemon's admin socket is not reachable.")
        @OptionGroup var socket: SocketOptions
        @Argument(help: "The operator id.") var operatorId: String
        @Option(help: "The amount in the operator's currency, e.g. 1000.00.") var amount: String
        @Option(help: "The bank transfer or document behind it (required).") var reference: String
        @Flag(help: "JSON for scripts.") var json = false

        func run() throws {
            try send(AdminRequest(command: "fund", operator: operatorId, amount: amount, reference: reference),
                     socket.path, json: json, verb: "funded")
        }
    }

    struct Withdraw: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record money returned to the operator from its prefund (never below zero).",
            discussion: "Exit codes: 0 recorded, 1 refused, 69 the daemon's admin socket is not reachable.")
        @OptionGroup var socket: SocketOptions
        @Argument(help: "The operator id.") var operatorId: String
        @Option(help: "The amount in the operator's currency.") var amount: String
        @Option(help: "The bank transfer or document behind it (required).") var reference: String
        @Flag(help: "JSON for scripts.") var json = false

        func run() throws {
            try send(AdminRequest(command: "withdraw", operator: operatorId, amount: amount, reference: reference),
                     socket.path, json: json, verb: "withdrawn")
        }
    }
}

private func send(_ request: AdminRequest, _ path: String, json: Bool, verb: String) throws {
    try show(try ask(request, path), json: json) { response in
        print("\(request.operator ?? "") \(verb) \(response.currency ?? "") \(request.amount ?? ""); prefund now "
              + "\(response.currency ?? "") \(response.balance ?? "?")")
    }
}
