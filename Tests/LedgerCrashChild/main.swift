import Foundation
import RemitDomain
import RemitLedger

// Writes to a ledger until killed, for the crash test in RemitLedgerTests:
//   ledger-crash-child PATH RUN
// Each round commits one batch (a funding, a hold, and a post or void of the previous hold);
// after the batch has committed it prints "ack RUN ROUND" and flushes.
let arguments = CommandLine.arguments
guard arguments.count == 3 else {
    FileHandle.standardError.write(Data("usage: ledger-crash-child PATH RUN\n".utf8))
    exit(64)
}
let path = arguments[1], run = arguments[2]
let usd = try Currency("USD")
let ledger = try Ledger(path: path)
_ = await ledger.apply(.openOperator(id: "ACME", currency: usd, creditLimit: 0))
_ = await ledger.apply(.openAccount(.fxPosition(usd)))
var round = 0
while true {
    round += 1
    var batch: [LedgerCommand] = [
        .fund(operatorId: "ACME", amount: Money(1_000, usd), reference: "\(run)-\(round)"),
        .hold(id: "\(run)-h\(round)", operatorId: "ACME", amount: Money(700, usd), expiresAt: .max),
    ]
    if round > 1 {
        let previous = "\(run)-h\(round - 1)"
        batch.append(round % 2 == 0
            ? .post(holdId: previous, credits: [Posting(.fxPosition(usd), credit: Money(500, usd))], final: true)
            : .void(holdId: previous))
    }
    let outcomes = await ledger.apply(batch)
    guard outcomes.allSatisfy(\.isDone) else {
        FileHandle.standardError.write(Data("refused: \(outcomes)\n".utf8))
        exit(1)
    }
    FileHandle.standardOutput.write(Data("ack \(run) \(round)\n".utf8))  // unbuffered: an ack is never held back
}
