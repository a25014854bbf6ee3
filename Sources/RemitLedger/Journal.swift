import Crypto
import Foundation
import GRDB
import RemitDomain

/// One line of an entry: an amount to an account, positive for a debit, negative for a credit.
public struct Posting: Hashable, Sendable {
    public var account: AccountCode
    public var amount: Int64

    public init(_ account: AccountCode, debit: Money) {
        self.account = account
        amount = debit.minorUnits
    }

    /// A credit of `Int64.min` cannot be negated; it wraps to itself and `Journal.append` refuses
    /// it as an invalid amount, rather than trapping in the writer.
    public init(_ account: AccountCode, credit: Money) {
        self.account = account
        amount = 0 &- credit.minorUnits
    }
}

/// Writes journal entries. Every entry is checked before anything is written: amounts non-zero,
/// each posting in its account's currency, postings summing to zero per currency, and no account
/// taken below its floor. Balances move in the same transaction; each entry is chained to the
/// previous one by SHA-256.
enum Journal {
    static let genesisHash = Data(repeating: 0, count: 32)

    /// Appends a balanced entry and returns its id.
    @discardableResult
    static func append(_ db: Database, _ context: WriteContext, kind: String, reference: String, postings: [Posting])
        throws -> Int64
    {
        precondition(context.placedHolds.isEmpty, "an entry appended while a hold entry is open breaks the chain")
        let changes = try changes(db, context, postings)
        try checkFloors(db, context, changes)
        let head = try context.chainHead(db)
        let id = head.id + 1
        let hash = entryHash(previous: head.hash, id: id, kind: kind, reference: reference, createdAt: context.time,
                             lines: postings.lazy.map { (account: $0.account.text, amount: $0.amount) })
        try context.hot.run(db, .insertEntry) {
            $0.int(id)
            $0.text(kind)
            $0.text(reference)
            $0.int(context.time)
            $0.blob(head.hash)
            $0.blob(hash)
        }
        try write(db, context, id: id, postings, changes)
        for change in changes where change.delta != 0 { context.adjust(change.account, by: change.delta) }
        context.advance(to: id, hash: hash)
        return id
    }

    /// An entry whose row is written and whose postings are not yet: see `open`.
    struct OpenEntry {
        let id: Int64
        /// The hash of the entry before it, when it was opened; nil when that entry was itself
        /// open, and its hash is known only once it is completed.
        let previousHash: Data?
    }

    /// Writes an entry's row before its postings are known, so that rows created meanwhile can
    /// refer to it (holds placed by new transfers, `Holds.placeTogether`); `complete` writes its
    /// postings and its hash, in the same savepoint. Entries are opened and completed in order,
    /// and no other entry is appended while one is open.
    static func open(_ db: Database, _ context: WriteContext, kind: String, reference: String) throws -> OpenEntry {
        let head = try context.chainHead(db)
        let id = head.id + 1
        let previous: Data? = head.hash == openHash ? nil : head.hash
        try context.hot.run(db, .insertEntry) {
            $0.int(id)
            $0.text(kind)
            $0.text(reference)
            $0.int(context.time)
            $0.blob(openHash)
            $0.blob(openHash)
        }
        context.advance(to: id, hash: openHash)
        return OpenEntry(id: id, previousHash: previous)
    }

    /// What an open entry's hashes hold until it is completed (the schema wants 32 bytes): a
    /// `verify` that met one would report it, as it matches no entry's content.
    static let openHash = Data(repeating: 0xFF, count: 32)

    /// Completes an open entry with its reference, postings and hash, chained to `previousHash`,
    /// and returns its hash. The floors were checked and the writer's record of floored
    /// balances moved by `reserve` when the money was placed.
    static func complete(_ db: Database, _ context: WriteContext, id: Int64, previousHash: Data?, kind: String,
                         reference: String, postings: [Posting]) throws -> Data {
        guard let previousHash, previousHash != openHash else {
            preconditionFailure("entry \(id) completed before the entry it follows")
        }
        let changes = try changes(db, context, postings)
        let hash = entryHash(previous: previousHash, id: id, kind: kind, reference: reference, createdAt: context.time,
                             lines: postings.lazy.map { (account: $0.account.text, amount: $0.amount) })
        try context.hot.run(db, .completeEntry) {
            $0.text(reference)
            $0.blob(previousHash)
            $0.blob(hash)
            $0.int(id)
        }
        try write(db, context, id: id, postings, changes)
        return hash
    }

    private static func write(_ db: Database, _ context: WriteContext, id: Int64, _ postings: [Posting],
                              _ changes: [Change]) throws {
        for (line, posting) in postings.enumerated() {
            let account = changes.first { $0.code == posting.account }!.account
            try context.hot.run(db, .insertPosting) {
                $0.int(id)
                $0.int(Int64(line))
                $0.int(account.id)
                $0.int(posting.amount)
            }
        }
        for change in changes where change.delta != 0 {
            try context.hot.run(db, .addBalance) {
                $0.int(change.delta)
                $0.int(change.account.id)
            }
        }
    }

    /// Checks the floor of a positive `amount` moved from one account to another of the same
    /// currency, as `append` would for its two postings, and moves the writer's record of floored
    /// balances as if they were written, without writing them: the caller writes them later with
    /// `complete` in the same savepoint, or the savepoint rolls back and the writer forgets its
    /// record. The accounts come resolved (`WriteContext.holdAccounts`): a new transfer's hold
    /// runs this, and building, hashing and summing its postings' codes showed in a profile.
    ///
    ///     try Journal.reserve(db, context, moving: 10_299, from: accounts.prefund, to: accounts.holds)
    static func reserve(_ db: Database, _ context: WriteContext, moving amount: Int64,
                        from debit: WriteContext.Resolved, to credit: WriteContext.Resolved) throws {
        precondition(amount > 0 && debit.code.currency == credit.code.currency && debit.code != credit.code,
                     "a reserve moves a positive amount between two accounts of one currency")
        // Both checked before either moves; no array of changes, which a transfer paid for with an
        // allocation and a copy of both accounts' codes.
        try checkFloor(db, context, debit.code, debit.account, amount)
        try checkFloor(db, context, credit.code, credit.account, -amount)
        context.adjust(debit.account, by: amount)
        context.adjust(credit.account, by: -amount)
    }

    private typealias Change = (code: AccountCode, account: WriteContext.Account, delta: Int64)

    /// Each account's change, after checking every amount and that the postings balance per currency.
    private static func changes(_ db: Database, _ context: WriteContext, _ postings: [Posting]) throws -> [Change] {
        guard !postings.isEmpty else { throw LedgerError.unbalanced(currency: "", sum: 0) }
        var sums = [Currency: Int64]()
        for posting in postings {
            // Zero moves nothing; Int64.min has no negation, so no sign arithmetic may meet it.
            guard posting.amount != 0, posting.amount != .min else { throw LedgerError.invalidAmount(posting.amount) }
            let (sum, overflow) = sums[posting.account.currency, default: 0].addingReportingOverflow(posting.amount)
            guard !overflow else { throw LedgerError.money(.overflow) }
            sums[posting.account.currency] = sum
        }
        if let (currency, sum) = sums.sorted(by: { $0.key < $1.key }).first(where: { $0.value != 0 }) {
            throw LedgerError.unbalanced(currency: currency.code, sum: sum)
        }
        var changes = [Change]()
        for posting in postings {
            if let index = changes.firstIndex(where: { $0.code == posting.account }) {
                let (delta, overflow) = changes[index].delta.addingReportingOverflow(posting.amount)
                guard !overflow, delta != .min else { throw LedgerError.money(.overflow) }
                changes[index].delta = delta
            } else {
                changes.append((posting.account, try context.account(db, posting.account), posting.amount))
            }
        }
        return changes
    }

    /// Floors are checked against the writer's record of the balance, before anything is written.
    private static func checkFloors(_ db: Database, _ context: WriteContext, _ changes: [Change]) throws {
        for change in changes { try checkFloor(db, context, change.code, change.account, change.delta) }
    }

    private static func checkFloor(_ db: Database, _ context: WriteContext, _ code: AccountCode,
                                   _ account: WriteContext.Account, _ delta: Int64) throws {
        // A change that lowers the balance in the account's normal terms (deltas are never Int64.min).
        guard let floor = account.floor, delta * account.type.normalSign < 0 else { return }
        let balance = try context.floorBalance(db, account)
        let (after, overflow) = balance.addingReportingOverflow(delta)
        guard !overflow else { throw LedgerError.money(.overflow) }
        let (normal, flipped) = after.multipliedReportingOverflow(by: account.type.normalSign)
        guard !flipped else { throw LedgerError.money(.overflow) }
        if normal < floor { throw LedgerError.belowFloor(account: code.text, balance: normal, floor: floor) }
    }

    /// SHA-256 of the previous hash and a canonical encoding of the entry: its id, kind,
    /// reference and time, then each line's account code and amount, in line order. Strings are
    /// length-prefixed so that no two entries encode alike. Streamed into the hash: no buffer.
    static func entryHash<Lines: Sequence>(previous: Data, id: Int64, kind: String, reference: String, createdAt: Int64,
                                           lines: Lines) -> Data where Lines.Element == (account: String, amount: Int64) {
        var hasher = SHA256()
        func integer(_ value: Int64) { withUnsafeBytes(of: value.littleEndian) { hasher.update(bufferPointer: $0) } }
        func text(_ value: String) {
            var value = value
            integer(Int64(value.utf8.count))
            value.withUTF8 { hasher.update(bufferPointer: UnsafeRawBufferPointer($0)) }
        }
        hasher.update(data: previous)
        integer(id)
        text(kind)
        text(reference)
        integer(createdAt)
        var count: Int64 = 0
        for _ in lines { count += 1 }
        integer(count)
        for line in lines {
            text(line.account)
            integer(line.amount)
        }
        return Data(hasher.finalize())
    }
}
