import Foundation
import GRDB
import RemitDomain

/// What the writer knows across commands, so the write path does not read it again each time:
/// Used only inside the writer's transactions, which the one writer runs one at a time: hence
/// `@unchecked Sendable`. It holds the commit's timestamp, account ids and floors (immutable once created), known operators,
/// and the head of the hash chain. Any rollback drops the caches, since a rolled-back savepoint
/// may have created what they remember.
final class WriteContext: @unchecked Sendable {
    struct Account {
        let id: Int64
        let type: AccountType
        let floor: Int64?
    }

    /// An account with its code, for the floor check's message.
    typealias Resolved = (code: AccountCode, account: Account)

    /// An operator's prefund and holds accounts in one currency: every new transfer's hold moves
    /// money between them.
    struct HoldAccounts {
        let prefund: Resolved
        let holds: Resolved
    }

    private struct HoldAccountsKey: Hashable {
        let operatorId: String
        let currency: Currency
    }

    var time: Int64 = 0
    /// True while a slice runs under one savepoint: a new transfer is then not looked up before
    /// it is written, since its row's key refuses a transfer already recorded, and that refusal
    /// rolls the slice back to be replayed command by command, where each is looked up first.
    /// A lookup per transfer was a sixteenth of the writer's time, for the rare id sent again.
    var optimistic = false
    let hot = HotStatements()
    private var accounts: [String: Account] = [:]
    private var holdAccountsByOperator: [HoldAccountsKey: HoldAccounts] = [:]
    private var operators: Set<String> = []
    // The last operator and hold accounts asked for, compared before the sets and dictionaries
    // above are hashed: a batch is one operator's, and hashing its id five times per transfer
    // (with the hold's floor checks) was about 4 % of the writer's time.
    private var lastOperator: String?
    private var lastHoldAccounts: (key: HoldAccountsKey, accounts: HoldAccounts)?
    private var head: (id: Int64, hash: Data)?
    private var tails: [Chain: (id: Int64, hash: Data)] = [:]
    /// Operators whose event streams this commit advanced, for the commit observer. A slice that
    /// rolled back may leave a name here: a spurious notice costs a reader one empty query.
    var eventOperators: Set<String> = []
    /// Balances of accounts with a floor, as this writer last left them.
    private var floorBalances: [Int64: Int64] = [:]

    /// Holds placed by new transfers whose entry is open: written, and counted in
    /// `floorBalances`, but the entry moving their money is completed by `Holds.writePlaced`, one
    /// per operator and currency for a whole slice of commands, not one per transfer (an entry,
    /// two postings and two balance updates per transfer were a third of the accept path's rows).
    struct PlacedHolds {
        let operatorId: String
        let currency: Currency
        let entry: Journal.OpenEntry
        let firstHold: String
        var total: Int64
        var count: Int
        /// The entry's hold groups (`hold_group`, v27): how many of its holds expire at each
        /// expiry. A slice's transfers of one batch share their expiry, so this is short: the
        /// last is the likeliest to be added to.
        var expiries: [(at: Int64, holds: Int)]
    }

    var placedHolds: [PlacedHolds] = []

    /// Transfers screened in this slice, and the id their link of the screening chain will
    /// have: the decisions are in the transfers' rows, and `Screenings.writeLink` chains them
    /// all in one link.
    var screened: [Screenings.Member] = []
    var screeningLink: Int64 = 0

    /// New transfers' events of this slice, a run per operator (`EventRuns`).
    var eventRuns: [EventRuns.Run] = []

    /// First legs queued in this slice, a run per operator and moment (`OutboxRuns`), and the
    /// id the last run took (read from the table after any rollback).
    var outboxRuns: [OutboxRuns.Run] = []
    private var lastOutboxRun: Int64?

    /// The id of a new outbox run.
    func nextOutboxRun(_ db: Database) throws -> Int64 {
        let last = try lastOutboxRun ?? Int64.fetchOne(db, sql: "SELECT coalesce(max(id), 0) FROM outbox_run") ?? 0
        lastOutboxRun = last + 1
        return last + 1
    }

    /// Each operator's event counter as this writer last used it, and as it was last written:
    /// the operator row is written once per slice of commands, not once per event (an update per
    /// transfer was a tenth of the accept path's time).
    private var sequences: [String: (last: Int64, written: Int64)] = [:]

    func forget() {
        placedHolds.removeAll(keepingCapacity: true)
        screened.removeAll(keepingCapacity: true)
        eventRuns.removeAll(keepingCapacity: true)
        outboxRuns.removeAll(keepingCapacity: true)
        lastOutboxRun = nil
        sequences.removeAll(keepingCapacity: true)
        accounts.removeAll(keepingCapacity: true)
        holdAccountsByOperator.removeAll(keepingCapacity: true)
        lastHoldAccounts = nil
        floorBalances.removeAll(keepingCapacity: true)
        operators.removeAll(keepingCapacity: true)
        lastOperator = nil
        head = nil
        tails.removeAll(keepingCapacity: true)
    }

    /// The operator's next event number: its counter plus one, kept here until `writeDeferred`.
    func nextSequence(_ db: Database, _ operatorId: String) throws -> Int64 {
        let last: Int64
        if let index = sequences.index(forKey: operatorId) {
            last = sequences.values[index].last
            sequences.values[index].last = last + 1
        } else {
            guard let stored = try hot.query(db, .selectEventSequence, { $0.text(operatorId) }, { $0.int(0) }) else {
                throw LedgerError.unknownOperator(operatorId)
            }
            last = stored
            sequences[operatorId] = (last + 1, stored)
        }
        // Most commits advance one operator's stream: no hashing to find it there again.
        if eventOperators.count != 1 || eventOperators.first != operatorId { eventOperators.insert(operatorId) }
        return last + 1
    }

    /// Writes what the writer has kept back: the open hold entries (`Holds.writePlaced`), the
    /// slice's link of the screening chain (`Screenings.writeLink`), its new transfers' events
    /// (`EventRuns.write`), its outbox runs (`OutboxRuns.write`) and the operators' event counters. The writer calls it at the end of
    /// every savepoint and before any command that is not a new transfer, so a rollback never
    /// loses what an earlier, released savepoint did, and no command reads a row that is behind.
    func writeDeferred(_ db: Database) throws {
        try Holds.writePlaced(db, self)
        try Screenings.writeLink(db, self)
        try EventRuns.write(db, self)
        try OutboxRuns.write(db, self)
        for (operatorId, sequence) in sequences where sequence.last != sequence.written {
            try hot.run(db, .writeEventSequence) {
                $0.int(sequence.last)
                $0.text(operatorId)
            }
            sequences[operatorId]!.written = sequence.last
        }
    }

    func account(_ db: Database, _ code: AccountCode) throws -> Account {
        if let known = accounts[code.text] { return known }
        guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT id, type, floor FROM account WHERE code = ?"),
                                         arguments: [code.text])
        else { throw LedgerError.unknownAccount(code.text) }
        let account = Account(id: row[0], type: AccountType(rawValue: row[1])!, floor: row[2])
        accounts[code.text] = account
        return account
    }

    /// The operator's prefund and holds accounts in `currency`, looked up once by their codes.
    func holdAccounts(_ db: Database, _ operatorId: String, _ currency: Currency) throws -> HoldAccounts {
        let key = HoldAccountsKey(operatorId: operatorId, currency: currency)
        if let last = lastHoldAccounts, last.key == key { return last.accounts }
        if let known = holdAccountsByOperator[key] {
            lastHoldAccounts = (key, known)
            return known
        }
        let prefund = AccountCode.operatorPrefund(operatorId, currency), holds = AccountCode.operatorHolds(operatorId, currency)
        let found = HoldAccounts(prefund: (prefund, try account(db, prefund)), holds: (holds, try account(db, holds)))
        holdAccountsByOperator[key] = found
        lastHoldAccounts = (key, found)
        return found
    }

    func requireOperator(_ db: Database, _ id: String) throws {
        if id == lastOperator { return }
        if !operators.contains(id) {
            guard try Bool.fetchOne(db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM operator WHERE id = ?)"),
                                    arguments: [id]) == true
            else { throw LedgerError.unknownOperator(id) }
            operators.insert(id)
        }
        lastOperator = id
    }

    /// The last entry's id and hash (0 and the genesis hash for an empty journal).
    func chainHead(_ db: Database) throws -> (id: Int64, hash: Data) {
        if let head { return head }
        let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT id, hash FROM entry ORDER BY id DESC LIMIT 1"))
        let current = row.map { (id: $0[0] as Int64, hash: $0[1] as Data) } ?? (0, Journal.genesisHash)
        head = current
        return current
    }

    func advance(to id: Int64, hash: Data) { head = (id, hash) }

    /// A chain's last row: id and hash (0 and the chain's genesis hash when empty).
    func chainTail(_ chain: Chain, _ db: Database) throws -> (id: Int64, hash: Data) {
        if let tail = tails[chain] { return tail }
        let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT id, hash FROM \(chain.rawValue) ORDER BY id DESC LIMIT 1"))
        let current = row.map { (id: $0[0] as Int64, hash: $0[1] as Data) } ?? (0, chain.genesisHash)
        tails[chain] = current
        return current
    }

    func advance(_ chain: Chain, to id: Int64, hash: Data) { tails[chain] = (id, hash) }

    /// The balance of an account with a floor: read once, then kept up to date by `adjust`.
    /// Exact because this writer is the only one and every balance change goes through the journal.
    func floorBalance(_ db: Database, _ account: Account) throws -> Int64 {
        if let known = floorBalances[account.id] { return known }
        let balance = try hot.query(db, .selectBalance, { $0.int(account.id) }) { $0.int(0) } ?? 0
        floorBalances[account.id] = balance
        return balance
    }

    func adjust(_ account: Account, by delta: Int64) {
        guard account.floor != nil, let known = floorBalances[account.id] else { return }
        floorBalances[account.id] = known + delta
    }
}
