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

    public init(_ account: AccountCode, credit: Money) {
        self.account = account
        amount = -credit.minorUnits
    }
}

/// Writes journal entries. Every entry is checked before anything is written: amounts non-zero,
/// each posting in its account's currency, postings summing to zero per currency, and no account
/// taken below its floor. Balances move in the same transaction; each entry is chained to the
/// previous one by SHA-256.
enum Journal {
    static let genesisHash = Data(repeating: 0, count: 32)

    struct AccountRow {
        let id: Int64
        let type: AccountType
        let balance: Int64
        let floor: Int64?
    }

    static func account(_ db: Database, _ code: AccountCode) throws -> AccountRow {
        guard let row = try Row.fetchOne(db, sql: "SELECT id, type, balance, floor FROM account WHERE code = ?",
                                         arguments: [code.text])
        else { throw LedgerError.unknownAccount(code.text) }
        return AccountRow(id: row["id"], type: AccountType(rawValue: row["type"])!, balance: row["balance"],
                          floor: row["floor"])
    }

    /// Appends a balanced entry and returns its id.
    @discardableResult
    static func append(_ db: Database, kind: String, reference: String, at time: Int64, postings: [Posting]) throws
        -> Int64
    {
        guard !postings.isEmpty else { throw LedgerError.unbalanced(currency: "", sum: 0) }
        var sums = [Currency: Int64]()
        for posting in postings {
            guard posting.amount != 0 else { throw LedgerError.invalidAmount(0) }
            let (sum, overflow) = sums[posting.account.currency, default: 0].addingReportingOverflow(posting.amount)
            guard !overflow else { throw LedgerError.money(.overflow) }
            sums[posting.account.currency] = sum
        }
        if let (currency, sum) = sums.sorted(by: { $0.key < $1.key }).first(where: { $0.value != 0 }) {
            throw LedgerError.unbalanced(currency: currency.code, sum: sum)
        }

        // Accounts and their new balances, floors checked before anything is written.
        var accounts = [AccountCode: AccountRow]()
        var balances = [AccountCode: Int64]()
        for posting in postings {
            let row = try accounts[posting.account] ?? account(db, posting.account)
            accounts[posting.account] = row
            let (balance, overflow) = balances[posting.account, default: row.balance].addingReportingOverflow(posting.amount)
            guard !overflow else { throw LedgerError.money(.overflow) }
            balances[posting.account] = balance
        }
        for (code, balance) in balances {
            let row = accounts[code]!
            let normal = balance * row.type.normalSign
            if let floor = row.floor, normal < floor, normal < row.balance * row.type.normalSign {
                throw LedgerError.belowFloor(account: code.text, balance: normal, floor: floor)
            }
        }

        let previous = try Data.fetchOne(db, sql: "SELECT hash FROM entry ORDER BY id DESC LIMIT 1") ?? genesisHash
        let id = (try Int64.fetchOne(db, sql: "SELECT max(id) FROM entry") ?? 0) + 1
        let hash = entryHash(previous: previous, id: id, kind: kind, reference: reference, createdAt: time,
                             lines: postings.map { ($0.account.text, $0.amount) })
        try db.execute(sql: """
            INSERT INTO entry (id, kind, reference, created_at, previous_hash, hash) VALUES (?, ?, ?, ?, ?, ?)
            """, arguments: [id, kind, reference, time, previous, hash])
        for (line, posting) in postings.enumerated() {
            try db.execute(sql: "INSERT INTO posting (entry_id, line, account_id, amount) VALUES (?, ?, ?, ?)",
                           arguments: [id, line, accounts[posting.account]!.id, posting.amount])
        }
        for (code, balance) in balances {
            try db.execute(sql: "UPDATE account SET balance = ? WHERE id = ?", arguments: [balance, accounts[code]!.id])
        }
        return id
    }

    /// SHA-256 of the previous hash and a canonical encoding of the entry: its id, kind,
    /// reference and time, then each line's account code and amount, in line order. Strings are
    /// length-prefixed so that no two entries encode alike.
    static func entryHash(previous: Data, id: Int64, kind: String, reference: String, createdAt: Int64,
                          lines: [(account: String, amount: Int64)]) -> Data {
        var bytes = [UInt8]()
        bytes.reserveCapacity(128 + 48 * lines.count)
        func integer(_ value: Int64) { withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) } }
        func text(_ value: String) {
            integer(Int64(value.utf8.count))
            bytes.append(contentsOf: value.utf8)
        }
        bytes.append(contentsOf: previous)
        integer(id)
        text(kind)
        text(reference)
        integer(createdAt)
        integer(Int64(lines.count))
        for line in lines {
            text(line.account)
            integer(line.amount)
        }
        return Data(SHA256.hash(data: bytes))
    }
}
