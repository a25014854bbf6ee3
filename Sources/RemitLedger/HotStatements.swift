import Foundation
import GRDB
import GRDBSQLite

/// The write path's statements, prepared once on the writer's connection and bound and stepped
/// through the SQLite C API. At tens of thousands of commands a second, GRDB's general argument
/// handling (arrays of existential values, statements looked up by their SQL text) costs more
/// than SQLite's own work; everything else (connections, transactions, migrations, reads) stays
/// with GRDB. `Statement.sqliteStatement` is GRDB's public handle for this.
enum HotSQL: Int, CaseIterable {
    case savepoint, release, rollbackTo
    case selectBalance, addBalance, insertEntry, completeEntry, insertPosting
    case holdExists, insertHold, insertHoldGroup
    case selectTransfer, insertTransfer, insertLeg
    case selectEventSequence, writeEventSequence, insertEvent, insertEventRun, insertScreening, insertOutboxRun

    var sql: String {
        switch self {
        case .savepoint: "SAVEPOINT command"
        case .release: "RELEASE command"
        case .rollbackTo: "ROLLBACK TO command"
        case .selectBalance: "SELECT balance FROM account WHERE id = ?"
        case .addBalance: "UPDATE account SET balance = balance + ? WHERE id = ?"
        case .insertEntry:
            "INSERT INTO entry (id, kind, reference, created_at, previous_hash, hash) VALUES (?, ?, ?, ?, ?, ?)"
        case .completeEntry: "UPDATE entry SET reference = ?, previous_hash = ?, hash = ? WHERE id = ?"
        case .insertPosting: "INSERT INTO posting (entry_id, line, account_id, amount) VALUES (?, ?, ?, ?)"
        case .holdExists: "SELECT 1 FROM hold WHERE id = ?"
        case .insertHold:
            """
            INSERT INTO hold (id, operator_id, currency, amount, remaining, state, expires_at, created_entry_id)
            VALUES (?, ?, ?, ?, ?, 'pending', ?, ?)
            """
        case .insertHoldGroup: "INSERT INTO hold_group (entry_id, expires_at, pending) VALUES (?, ?, ?)"
        case .selectTransfer:
            """
            SELECT content_hash, state, reason, field, send_amount, fee, payout_amount, created_at
            FROM transfer WHERE operator_id = ? AND transfer_id = ?
            """
        case .insertTransfer:
            """
            INSERT INTO transfer (operator_id, transfer_id, content_hash, state, send_currency, send_amount,
                                  fee, payout_currency, payout_amount, created_at, updated_at, last_event_sequence,
                                  operator_reference, send_country, payout_country, quote_id, rate, reference_rate, holds_per_leg,
                                  leg_failure_policy, sender_name, sender_account, beneficiary_name,
                                  standing_instruction_revision, screening_id, \(Screenings.decisionColumns),
                                  leg_product, leg_institution, leg_account, leg_share, leg_payout_amount, leg_state,
                                  leg_hold_amount, leg_hold_remaining, leg_hold_state, leg_hold_expires_at, leg_hold_entry_id,
                                  leg_queued_at, leg_outbox_run)
            VALUES (?, ?, ?, 'accepted', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?,
                    ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,
                    ?, ?, ?, ?, ?, 'pending', ?, ?, ?, ?, ?, ?, ?)
            """
        case .insertLeg:
            // Legs 1 and up: leg 0 is in the transfer's row (v26, `LegPlace`).
            """
            INSERT INTO leg (operator_id, transfer_id, leg_index, product, institution, account, share, payout_amount, state,
                             hold_amount, hold_remaining, hold_state, hold_expires_at, hold_entry_id, queued_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?, ?, ?, ?)
            """
        case .insertOutboxRun:
            "INSERT INTO outbox_run (id, operator_id, queued_at, queued, transfer_ids) VALUES (?, ?, ?, ?, ?)"
        case .insertScreening:
            """
            INSERT INTO screening (id, screened_at, transfers, hash) VALUES (?, ?, ?, ?)
            """
        case .selectEventSequence: "SELECT last_event_sequence FROM operator WHERE id = ?"
        case .writeEventSequence: "UPDATE operator SET last_event_sequence = ? WHERE id = ?"
        case .insertEvent:
            """
            INSERT INTO event (operator_id, sequence, transfer_id, leg_index, state, reason, partner_reference, occurred_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """
        case .insertEventRun:
            """
            INSERT INTO event (operator_id, sequence, transfer_id, leg_index, state, reason, partner_reference, occurred_at,
                               events, run_transfer_ids)
            VALUES (?, ?, ?, NULL, ?, 0, '', ?, ?, ?)
            """
        }
    }
}

/// Where a statement's bound texts and blobs live until it has run. SQLite copies a value bound
/// `SQLITE_TRANSIENT` into a buffer of its own, allocated and freed per bind (binding releases
/// the parameter's previous buffer); bound `SQLITE_STATIC` from here, the bytes are copied once
/// into memory reused by every statement the writer runs. `query` hands out the space and takes
/// it back when the statement is reset, so a query run while another one is bound (none today)
/// would only stack above it.
final class BindArena {
    /// Far above one statement's needs: the widest, a new transfer's row, binds about 20 texts
    /// of at most a few hundred bytes each.
    static let capacity = 64 * 1024
    let base = UnsafeMutableRawPointer.allocate(byteCount: BindArena.capacity, alignment: 8)
    var used = 0

    deinit { base.deallocate() }

    /// Copies `bytes` in and returns where they are, or nil when they do not fit: the caller
    /// then binds them transient, as SQLite's own copy.
    func store(_ bytes: UnsafeRawBufferPointer) -> UnsafeRawPointer? {
        guard bytes.count <= BindArena.capacity - used else { return nil }
        let target = base + used
        if let source = bytes.baseAddress, bytes.count > 0 { target.copyMemory(from: source, byteCount: bytes.count) }
        used += bytes.count
        return UnsafeRawPointer(target)
    }
}

/// Binds parameters left to right.
struct Binder {
    let statement: OpaquePointer
    private let arena: BindArena
    private var index: Int32 = 1
    // Computed, not stored: a stored static is read through a once-guarded accessor, called for
    // every value bound.
    static var transient: sqlite3_destructor_type { unsafeBitCast(-1, to: sqlite3_destructor_type.self) }
    /// SQLITE_STATIC, a null destructor: the bytes outlive the statement's use of them.
    static var isStatic: sqlite3_destructor_type? { nil }

    init(_ statement: OpaquePointer, arena: BindArena) {
        self.statement = statement
        self.arena = arena
    }

    mutating func int(_ value: Int64) {
        sqlite3_bind_int64(statement, index, value)
        index += 1
    }

    mutating func text(_ value: String) {
        // withUTF8 reads a native string's bytes in place; passing the String itself made a C
        // copy of it on the heap for every bind.
        var value = value
        let (statement, index, arena) = (statement, index, arena)
        value.withUTF8 { bytes in
            let count = Int32(bytes.count)
            if let stored = arena.store(UnsafeRawBufferPointer(bytes)) {
                _ = sqlite3_bind_text(statement, index, stored.assumingMemoryBound(to: CChar.self), count, Binder.isStatic)
            } else {
                let base = UnsafeRawPointer(bytes.baseAddress!).assumingMemoryBound(to: CChar.self)
                _ = sqlite3_bind_text(statement, index, base, count, Binder.transient)
            }
        }
        self.index += 1
    }

    mutating func blob(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { bind(blob: $0) }
    }

    mutating func blob(_ data: Data) {
        data.withUnsafeBytes { bind(blob: $0) }
    }

    private mutating func bind(blob bytes: UnsafeRawBufferPointer) {
        // An empty array has no address, which SQLite binds as NULL, as it always has here.
        if bytes.baseAddress != nil, let stored = arena.store(bytes) {
            _ = sqlite3_bind_blob(statement, index, stored, Int32(bytes.count), Binder.isStatic)
        } else {
            _ = sqlite3_bind_blob(statement, index, bytes.baseAddress, Int32(bytes.count), Binder.transient)
        }
        index += 1
    }

    mutating func optionalText(_ value: String?) {
        if let value { text(value) } else { null() }
    }

    mutating func null() {
        sqlite3_bind_null(statement, index)
        index += 1
    }
}

/// One result row, read by column index.
struct Columns {
    let statement: OpaquePointer

    func int(_ column: Int32) -> Int64 { sqlite3_column_int64(statement, column) }
    func text(_ column: Int32) -> String { String(cString: sqlite3_column_text(statement, column)) }
    func blob(_ column: Int32) -> Data {
        let count = Int(sqlite3_column_bytes(statement, column))
        guard count > 0, let bytes = sqlite3_column_blob(statement, column) else { return Data() }
        return Data(bytes: bytes, count: count)
    }
}

/// The prepared statements of one writer connection.
final class HotStatements {
    private var statements: [Statement?] = Array(repeating: nil, count: HotSQL.allCases.count)
    private let arena = BindArena()

    private func prepared(_ db: Database, _ which: HotSQL) throws -> OpaquePointer {
        if let statement = statements[which.rawValue] { return statement.sqliteStatement }
        let statement = try db.makeStatement(sql: which.sql)
        statements[which.rawValue] = statement
        return statement.sqliteStatement
    }

    /// Runs a statement that returns no row.
    func run(_ db: Database, _ which: HotSQL, _ bind: (inout Binder) -> Void = { _ in }) throws {
        _ = try query(db, which, bind) { _ in () }
    }

    /// Runs a statement and reads its first row, if any.
    func query<T>(_ db: Database, _ which: HotSQL, _ bind: (inout Binder) -> Void, _ read: (Columns) -> T) throws -> T? {
        let statement = try prepared(db, which)
        let mark = arena.used
        defer {
            sqlite3_reset(statement)
            // The arena's bytes are reused from here on: no binding may keep pointing at them.
            sqlite3_clear_bindings(statement)
            arena.used = mark
        }
        var binder = Binder(statement, arena: arena)
        bind(&binder)
        switch sqlite3_step(statement) {
        case SQLITE_ROW:
            return read(Columns(statement: statement))
        case SQLITE_DONE:
            return nil
        case let code:
            let message = String(cString: sqlite3_errmsg(db.sqliteConnection))
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: message, sql: which.sql)
        }
    }

    /// Runs `body` in a savepoint: kept if it returns, rolled back if it throws. If the rollback
    /// itself fails, `SavepointRollbackFailed` is thrown, which no caller treats as a refusal of
    /// one command: the whole transaction is abandoned and nothing of it is recorded.
    func inSavepoint<T>(_ db: Database, _ body: () throws -> T) throws -> T {
        try run(db, .savepoint)
        do {
            let result = try body()
            try run(db, .release)
            return result
        } catch {
            do {
                try run(db, .rollbackTo)
                try run(db, .release)
            } catch let rollback {
                throw SavepointRollbackFailed(underlying: "\(rollback)", cause: "\(error)")
            }
            throw error
        }
    }
}

/// A savepoint could not be rolled back: the transaction's state is unknown, so it must not commit.
struct SavepointRollbackFailed: Error, CustomStringConvertible {
    let underlying: String
    let cause: String
    var description: String { "savepoint rollback failed (\(underlying)) after: \(cause)" }
}
