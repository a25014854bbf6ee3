import RemitDomain
import RemitLedger
import XCTest

/// Random sequences of commands, valid and not, over two operators and two currencies. After
/// every batch: the books verify, balance per currency, no prefund is below its floor, and the
/// ledger agrees with a simple model of what each command should have done.
final class PropertyTests: LedgerTestCase {
    struct Generator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    func testInvariantsHoldOverRandomCommandSequences() async throws {
        for seed in UInt64(1)...8 {
            if seed > 1 {
                try tearDownWithError()
                try await setUp()
            }
            try await run(seed: seed)
        }
    }

    func run(seed: UInt64) async throws {
        var rng = Generator(state: seed)
        let operators = ["ACME", "BETA"]
        let currencies = [usd, kes]
        let creditLimit: [String: Int64] = ["ACME": 0, "BETA": 5_000]
        for id in operators {
            for currency in currencies {
                await expectDone(.openOperator(id: id, currency: currency, creditLimit: creditLimit[id]!))
            }
        }
        for currency in currencies { await expectDone(.openAccount(.fxPosition(currency))) }

        // The model: available prefund per operator and currency, and pending holds.
        var available = [String: Int64]()
        var holds = [String: (key: String, currency: Currency, remaining: Int64, expiresAt: Int64)]()
        var nextHold = 0
        var now: Int64 = 0
        var refused = 0, accepted = 0

        for _ in 0..<40 {
            var batch = [LedgerCommand]()
            var expected = [Bool]()
            for _ in 0..<Int.random(in: 1...6, using: &rng) {
                let id = operators.randomElement(using: &rng)!
                let currency = currencies.randomElement(using: &rng)!
                let key = "\(id)/\(currency.code)"
                let amount = Int64.random(in: 1...20_000, using: &rng)
                switch Int.random(in: 0..<6, using: &rng) {
                case 0:
                    batch.append(.fund(operatorId: id, amount: Money(amount, currency), reference: "f"))
                    available[key, default: 0] += amount
                    expected.append(true)
                case 1:
                    let ok = available[key, default: 0] >= amount
                    batch.append(.withdraw(operatorId: id, amount: Money(amount, currency), reference: "w"))
                    if ok { available[key, default: 0] -= amount }
                    expected.append(ok)
                case 2:
                    nextHold += 1
                    let holdId = "h\(nextHold)"
                    let ok = available[key, default: 0] - amount >= -creditLimit[id]!
                    let expiresAt = now + Int64.random(in: 0...5, using: &rng)
                    batch.append(.hold(id: holdId, operatorId: id, amount: Money(amount, currency), expiresAt: expiresAt))
                    if ok {
                        available[key, default: 0] -= amount
                        holds[holdId] = (key, currency, amount, expiresAt)
                    }
                    expected.append(ok)
                case 3:
                    guard let (holdId, hold) = holds.randomElement(using: &rng) else { continue }
                    let part = Int64.random(in: 1...hold.remaining + 10, using: &rng)
                    let final = Bool.random(using: &rng)
                    let ok = part <= hold.remaining
                    batch.append(.post(holdId: holdId, credits: [Posting(.fxPosition(hold.currency),
                                                                         credit: Money(part, hold.currency))],
                                       final: final))
                    if ok {
                        let left = hold.remaining - part
                        if final || left == 0 {
                            available[hold.key, default: 0] += left
                            holds[holdId] = nil
                        } else {
                            holds[holdId]!.remaining = left
                        }
                    }
                    expected.append(ok)
                case 4:
                    guard let (holdId, hold) = holds.randomElement(using: &rng) else { continue }
                    batch.append(.void(holdId: holdId))
                    available[hold.key, default: 0] += hold.remaining
                    holds[holdId] = nil
                    expected.append(true)
                default:
                    now += 1
                    batch.append(.expireHolds(asOf: now))
                    for (holdId, hold) in holds where hold.expiresAt <= now {
                        available[hold.key, default: 0] += hold.remaining
                        holds[holdId] = nil
                    }
                    expected.append(true)
                }
            }
            let outcomes = await ledger.apply(batch)
            refused += expected.filter { !$0 }.count
            accepted += expected.filter { $0 }.count
            XCTAssertEqual(outcomes.map(\.isDone), expected, "seed \(seed): \(zip(batch, outcomes).map { "\($0) -> \($1)" })")
            try assertWhole()
            for id in operators {
                for currency in currencies {
                    let prefund = try balance(.operatorPrefund(id, currency))
                    XCTAssertEqual(prefund, available["\(id)/\(currency.code)", default: 0], "seed \(seed)")
                    XCTAssertGreaterThanOrEqual(prefund, -creditLimit[id]!, "seed \(seed)")
                    let held = holds.values.filter { $0.key == "\(id)/\(currency.code)" }.reduce(0) { $0 + $1.remaining }
                    XCTAssertEqual(try balance(.operatorHolds(id, currency)), held, "seed \(seed)")
                }
            }
            if outcomes.map(\.isDone) != expected { return }
        }
        XCTAssertGreaterThan(refused, 5, "seed \(seed) exercised too few refusals")
        XCTAssertGreaterThan(accepted, 50, "seed \(seed)")
        print("seed \(seed): \(accepted) accepted, \(refused) refused")
    }
}
