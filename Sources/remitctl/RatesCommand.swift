import ArgumentParser
import Foundation
import RemitGateway
import RemitDomain
import RemitLedger

/// `remitctl rates set|list|import`: the reference mid rates quotes are priced from.
struct RatesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rates", abstract: "Reference mid-market rates: set one, import a file, list them.",
        subcommands: [Set.self, Import.self, List.self])

    struct Set: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set the mid rate for a pair (units of QUOTE per one BASE), through the daemon.",
            discussion: """
                remitctl rates set USD KES 129.45
                remitctl rates set USD KES 129.45 --as-of 2026-11-23T10:00:00Z

                An observation older than the one held is ignored. Exit codes: 0 set, 1 refused, 69 daemon not reachable.
                """)
        @OptionGroup var socket: OperatorsCommand.SocketOptions
        @Argument(help: "The base currency.") var base: String
        @Argument(help: "The quote currency.") var quote: String
        @Argument(help: "The mid rate, e.g. 129.45 (at most 9 decimals).") var mid: String
        @Option(help: "When it was observed, ISO 8601 UTC (default: now).") var asOf: String?

        func run() throws {
            let response = try ask(AdminRequest(command: "rates-set", base: base, quote: quote, mid: mid, asOf: asOf), socket.path)
            if response.ok {
                print("rate \(response.status ?? "")")
            } else {
                FileHandle.standardError.write(Data("remitctl: \(response.error ?? "refused")\n".utf8))
                throw ExitCode(1)
            }
        }
    }

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set every rate of a file: one BASE,QUOTE,MID,AS_OF line per pair.",
            discussion: "Every line is checked before any is sent; then stops at the first the daemon refuses. Exit codes: 0 imported, 1 refused, 66 no file, 69 daemon not reachable.")
        @OptionGroup var socket: OperatorsCommand.SocketOptions
        @Argument(help: "The rates file (CSV).") var file: String

        func run() throws {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
                FileHandle.standardError.write(Data("remitctl: cannot read \(file)\n".utf8))
                throw ExitCode(66)
            }
            // The whole file is checked first, as the daemon checks its own rates file.
            let rates: [ReferenceRate]
            do { rates = try RateBook.parse(text, file: file, now: Ledger.wallClock()) } catch {
                FileHandle.standardError.write(Data("remitctl: \(error)\n".utf8))
                throw ExitCode(1)
            }
            var count = 0
            for rate in rates {
                let response = try ask(AdminRequest(command: "rates-set", base: rate.base.code, quote: rate.quote.code,
                                                    mid: rate.mid.text, asOf: Ledger.utcTimestamp(rate.asOf)), socket.path)
                guard response.ok else {
                    FileHandle.standardError.write(Data("remitctl: \(file): \(rate.base)/\(rate.quote): \(response.error ?? "refused")\n".utf8))
                    throw ExitCode(1)
                }
                count += 1
            }
            print("\(count) rates imported")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The reference rates held (reads the ledger).", discussion: "Exit codes: 0 listed, 66 no ledger.")
        @OptionGroup var ledger: LedgerOptions
        @Flag(help: "JSON for scripts.") var json = false

        func run() throws {
            try reporting {
                let rates = try ledger.open().referenceRates()
                if json {
                    print(TransferText.json(rates.map {
                        ["base": $0.base.code, "quote": $0.quote.code, "mid": $0.mid.text, "asOf": Ledger.utcTimestamp($0.asOf)]
                    }))
                } else {
                    print(TransferText.align([["PAIR", "MID", "AS OF (UTC)"]] + rates.map {
                        ["\($0.base.code)/\($0.quote.code)", $0.mid.text, Ledger.utcTimestamp($0.asOf)]
                    }) + (rates.isEmpty ? "\n(no rates)" : ""))
                }
            }
        }
    }
}
