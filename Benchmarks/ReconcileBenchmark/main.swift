import Foundation
import RemitDomain
import RemitLedger

// Prepares what Benchmarks/reconcile.sh times: N payouts paid through MPESA-KE, added to a
// stopped demo's ledger through the ledger's own commands (submit, dispatched, paid), and the
// provider's CSV statement of them: one line per payout, except that every 10,000th is missing
// (missing-at-partner), every 10,000th other one is short by a cent (amount-mismatch), and 100
// lines pay ids the ledger never sent (missing-in-ledger).
//
//   ReconcileBenchmark LEDGER STATEMENT [N]      (N = 1000000 by default)

let arguments = CommandLine.arguments
guard arguments.count >= 3 else {
    FileHandle.standardError.write(Data("usage: ReconcileBenchmark LEDGER STATEMENT [N]\n".utf8))
    exit(64)
}
let total = arguments.count > 3 ? Int(arguments[3])! : 1_000_000
let usd = try Currency("USD"), kes = try Currency("KES")
let ledger = try Ledger(path: arguments[1])
func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

let funded = await ledger.apply(.fund(operatorId: "ACME", amount: Money(Int64(total) * 11_000, usd), reference: "benchmark"))
guard case .done = funded else { fatalError("cannot fund ACME: \(funded)") }
let terms = TransferSubmission.Terms(
    sendAmount: Money(10_000, usd), fee: Money(299, usd), payoutAmount: Money(1_281_555, kes),
    legs: [.init(product: "mobileWallet", institution: "", account: "254712345678", share: 10_000, payoutAmount: 1_281_555)],
    holdExpiresAt: .max)
let details = TransferSubmission.Details(operatorReference: "BENCH", sendCurrency: "USD", payoutCurrency: "KES",
                                         sendCountry: "US", payoutCountry: "KE", rate: 128_155_500_000,
                                         referenceRate: 129_450_000_000, senderName: "Maria Otieno",
                                         senderAccount: "ACC-1001", beneficiaryName: "Grace Wanjiru")
func id(_ n: Int) -> TransferID { TransferID(high: 0x0191_F3C2_7A10_7C4E, low: 0x9D2B_0000_0000_0000 | UInt64(n)) }
// Each payout's amount differs a little, as real ones do.
func amount(_ n: Int) -> Int64 { 1_281_555 + Int64(n % 997) }

let start = now()
var hash = [UInt8](repeating: 9, count: 32)
let batch = 8_189
var n = 0
while n < total {
    let range = n..<min(n + batch, total)
    var submits: [LedgerCommand] = [], dispatched: [LedgerCommand] = [], paid: [LedgerCommand] = []
    for k in range {
        hash[0] = UInt8(truncatingIfNeeded: k)
        hash[1] = UInt8(truncatingIfNeeded: k >> 8)
        hash[2] = UInt8(truncatingIfNeeded: k >> 16)
        var legTerms = terms
        legTerms.payoutAmount = Money(amount(k), kes)
        legTerms.legs[0].payoutAmount = amount(k)
        submits.append(.submitTransfer(TransferSubmission(operatorId: "ACME", transferId: id(k), contentHash: hash,
                                                          decision: .accept(legTerms), details: details)))
        dispatched.append(.reportLeg(LegReport(operatorId: "ACME", transferId: id(k), leg: 0, outcome: .dispatched(partner: "MPESA-KE"))))
        paid.append(.reportLeg(LegReport(operatorId: "ACME", transferId: id(k), leg: 0,
                                         outcome: .paid(partnerReference: "RKT\(String(k, radix: 36).uppercased())"))))
    }
    for commands in [submits, dispatched, paid] {
        let outcomes = await ledger.apply(commands)
        for outcome in outcomes {
            switch outcome {
            case .transfer(let receipt) where receipt.state == .accepted: continue
            case .done: continue
            default: fatalError("\(outcome)")
            }
        }
    }
    n = range.upperBound
}
let built = now() - start
FileHandle.standardError.write(Data(String(format: "%d payouts paid in the ledger in %.1f s\n", total, built).utf8))

let formatter = DateFormatter()
formatter.timeZone = TimeZone(identifier: "UTC")
formatter.locale = Locale(identifier: "en_US_POSIX")
formatter.dateFormat = "dd/MM/yyyy HH:mm:ss"
let stamp = formatter.string(from: Date())
var out = "Receipt No.;Completion Time;Details;Transaction Status;Amount;Originator Conversation ID;Reason\n"
out.reserveCapacity(total * 130)
func decimal(_ minor: Int64) -> String { "\(minor / 100).\(minor % 100 < 10 ? "0" : "")\(minor % 100)" }
for k in 0..<total {
    if k % 10_000 == 0 { continue }
    let short = k % 10_000 == 5_000 ? 1 : 0
    let key = PayoutKey(operatorId: "ACME", transferId: id(k), leg: 0).text
    out += "RKT\(String(k, radix: 36).uppercased());\(stamp);Business Payment to 254712345678;Completed;-\(decimal(amount(k) - Int64(short)));\(key);\n"
}
for k in 0..<100 {
    let key = PayoutKey(operatorId: "ACME", transferId: TransferID(high: 0xDEAD, low: UInt64(k)), leg: 0).text
    out += "XXX\(k);\(stamp);Business Payment to 254700000000;Completed;-100.00;\(key);\n"
}
try out.write(toFile: arguments[2], atomically: true, encoding: .utf8)
FileHandle.standardError.write(Data("statement written: \(arguments[2])\n".utf8))
