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
        let time = context.time
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

        // Each account's change; floors checked (against the stored balance) before anything is written.
        var changes = [(code: AccountCode, account: WriteContext.Account, delta: Int64)]()
        for posting in postings {
            if let index = changes.firstIndex(where: { $0.code == posting.account }) {
                let (delta, overflow) = changes[index].delta.addingReportingOverflow(posting.amount)
                guard !overflow, delta != .min else { throw LedgerError.money(.overflow) }
                changes[index].delta = delta
            } else {
                changes.append((posting.account, try context.account(db, posting.account), posting.amount))
            }
        }
        for change in changes {
            // A change that lowers the balance in the account's normal terms (deltas are never Int64.min).
            guard let floor = change.account.floor, change.delta * change.account.type.normalSign < 0 else { continue }
            let balance = try context.floorBalance(db, change.account)
            let (after, overflow) = balance.addingReportingOverflow(change.delta)
            guard !overflow else { throw LedgerError.money(.overflow) }
            let (normal, flipped) = after.multipliedReportingOverflow(by: change.account.type.normalSign)
            guard !flipped else { throw LedgerError.money(.overflow) }
            if normal < floor { throw LedgerError.belowFloor(account: change.code.text, balance: normal, floor: floor) }
        }

        let head = try context.chainHead(db)
        let id = head.id + 1
        let hash = entryHash(previous: head.hash, id: id, kind: kind, reference: reference, createdAt: time,
                             lines: postings.lazy.map { (account: $0.account.text, amount: $0.amount) })
        try context.hot.run(db, .insertEntry) {
            $0.int(id)
            $0.text(kind)
            $0.text(reference)
            $0.int(time)
            $0.blob(head.hash)
            $0.blob(hash)
        }
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
            context.adjust(change.account, by: change.delta)
        }
        context.advance(to: id, hash: hash)
        return id
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
