import Crypto
import Foundation
import GRDBSQLite
import RemitDomain
import RemitLedger

// Accept-transfer commands per second: a hold on the operator's prefund (in the leg's columns since
// schema v21; per slice of 32 transfers one entry, two postings, two balance updates and, since v27, a
// hold group counting the slice's holds by expiry), the transfer row with its
// one leg (in its row since v26, with its place in the outbox since v22, listed in the slice's outbox run since
// v28), its event (a run per slice since v25; the operator's counter written once
// per slice) and the two parties' screening decisions (in the transfer row, a chain link per slice since v23), in WAL
// mode with synchronous=FULL. The raw baseline writes the same rows with prepared statements through the
// SQLite C API and nothing else.
//
//   swift build -c release --product LedgerBenchmark && .build/release/LedgerBenchmark [FOLDER]

let folder = CommandLine.arguments.count > 1 ? CommandLine.arguments[1] : NSTemporaryDirectory()
let usd = try Currency("USD"), kes = try Currency("KES")
let budget: [Int: Int] = [1: 2_000, 100: 30_000, 1_000: 60_000, 8_189: 81_890]

func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

func fresh(_ name: String) -> String {
    let path = (folder as NSString).appendingPathComponent("remit-bench-\(name).sqlite")
    for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    return path
}

func transferId(_ n: Int) -> TransferID { TransferID(high: 0x0191_F3C2_0000_0000, low: UInt64(n)) }

// MARK: the ledger

func ledgerRun(batch: Int, total: Int) async throws -> Double {
    let ledger = try Ledger(path: fresh("ledger-\(batch)"))
    _ = await ledger.apply([.openOperator(id: "ACME", currency: usd, creditLimit: 0),
                            .fund(operatorId: "ACME", amount: Money(Int64(total) * 20_000, usd), reference: "w")])
    let terms = TransferSubmission.Terms(
        sendAmount: Money(10_000, usd), fee: Money(299, usd), payoutAmount: Money(1_281_555, kes),
        legs: [.init(product: "mobileWallet", institution: "SAFCOM", account: "254712345678", share: 10_000,
                     payoutAmount: 1_281_555)],
        holdExpiresAt: .max)
    let details = TransferSubmission.Details(operatorReference: "INV-2026-0001", sendCurrency: "USD",
                                             payoutCurrency: "KES", sendCountry: "US", payoutCountry: "KE",
                                             rate: 129_450_000_000, senderName: "Maria Otieno",
                                             senderAccount: "ACC-1001", beneficiaryName: "Grace Wanjiru")
    // Both parties screened clear, as the gateway records them whenever it has a list.
    let screenings = ["sender", "beneficiary"].map {
        ScreeningRecord(party: $0, decision: "clear", scoreBps: 4_210, entryId: nil, matchedName: nil, source: "demo-list 2026-12-01")
    }
    var hash = [UInt8](repeating: 7, count: 32)
    let start = now()
    var n = 0
    while n < total {
        var commands = [LedgerCommand]()
        commands.reserveCapacity(batch)
        for _ in 0..<min(batch, total - n) {
            n += 1
            hash[0] = UInt8(truncatingIfNeeded: n)
            var submission = TransferSubmission(operatorId: "ACME", transferId: transferId(n), contentHash: hash,
                                                decision: .accept(terms), details: details)
            if !rawSkip.contains("screening") { submission.screenings = screenings }
            commands.append(.submitTransfer(submission))
        }
        let outcomes = await ledger.apply(commands)
        precondition(outcomes.allSatisfy { if case .transfer(let r) = $0 { r.state == .accepted } else { false } })
    }
    let seconds = now() - start
    let report = try ledger.verify()
    precondition(report.isClean, "\(report)")
    return Double(total) / seconds
}

// MARK: the raw baseline

struct Raw {
    var db: OpaquePointer?
    var statements: [String: OpaquePointer] = [:]

    init(path: String) {
        precondition(sqlite3_open(path, &db) == SQLITE_OK)
        // The ledger's own settings: WAL, synchronous=FULL, foreign keys, statement journals in memory.
        exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA temp_store = MEMORY;")
        // `CACHE_KB=65536`: a larger page cache than SQLite's 2 MB default, to see what it changes.
        if let kilobytes = ProcessInfo.processInfo.environment["CACHE_KB"].flatMap(Int.init) { exec("PRAGMA cache_size = -\(kilobytes)") }
    }

    func exec(_ sql: String) { precondition(sqlite3_exec(db, sql, nil, nil, nil) == SQLITE_OK, String(cString: sqlite3_errmsg(db))) }

    mutating func statement(_ sql: String) -> OpaquePointer {
        if let cached = statements[sql] { return cached }
        var statement: OpaquePointer?
        precondition(sqlite3_prepare_v2(db, sql, -1, &statement, nil) == SQLITE_OK, String(cString: sqlite3_errmsg(db)))
        statements[sql] = statement!
        return statement!
    }

    /// Binds and steps one statement: integers, text and blobs.
    mutating func run(_ sql: String, _ values: [Any?]) {
        let s = statement(sql)
        let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
        for (index, value) in values.enumerated() {
            let i = Int32(index + 1)
            switch value {
            case let v as Int64: sqlite3_bind_int64(s, i, v)
            case let v as Int: sqlite3_bind_int64(s, i, Int64(v))
            case let v as String: sqlite3_bind_text(s, i, v, -1, transient)
            case let v as [UInt8]: v.withUnsafeBytes { _ = sqlite3_bind_blob(s, i, $0.baseAddress, Int32($0.count), transient) }
            default: sqlite3_bind_null(s, i)
            }
        }
        let result = sqlite3_step(s)
        precondition(result == SQLITE_DONE || result == SQLITE_ROW, String(cString: sqlite3_errmsg(db)))
        sqlite3_reset(s)
    }
}

/// Parts of the ledger's rows the raw baseline leaves out, for finding what costs what:
/// `RAW_SKIP=entry,hold,leg,outbox,event,screening` (default: none; the comparison with the ledger uses all;
/// `hold` leaves the leg's hold columns empty, `outbox` its place in the outbox and its outbox
/// run, `leg` the leg's columns and both, and its hold group), any of the indexes
/// `hold_group_pending_by_expiry`, `outbox_run_live`, `posting_by_account`, and `foreign_keys`
/// (the checks, which leaving out `entry` also turns off). Sketches of changes not made:
/// `RAW_PAGE_SIZE=16384` rebuilds the file with larger pages before the run, `RAW_ROWID=transfer`
/// gives the table a rowid, its key a unique index, `RAW_NO_CHECKS=transfer` rebuilds the table
/// without its CHECK constraints (what they cost), and `RAW_DROP_COLUMNS` drops columns the
/// accept does not name; and `RAW_PACK` and `RAW_LITERALS`, below.
let rawSkip = Set((ProcessInfo.processInfo.environment["RAW_SKIP"] ?? "").split(separator: ",").map(String.init))

/// The transfer row's columns that `RAW_PACK=1` packs into one blob.
let rawPackedColumns = ["operator_reference", "send_country", "payout_country", "quote_id", "rate", "reference_rate",
                        "leg_failure_policy", "sender_name", "sender_account", "beneficiary_name",
                        "standing_instruction_revision", "sender_decision", "sender_score_bps", "sender_entry_id",
                        "sender_matched_name", "sender_source", "beneficiary_decision", "beneficiary_score_bps",
                        "beneficiary_entry_id", "beneficiary_matched_name", "beneficiary_source", "leg_product",
                        "leg_institution", "leg_account", "leg_share", "leg_payout_amount"]

/// The packed description's bytes: each text with a length byte, each integer in 8 bytes, as a
/// simple binary record of the same values would hold them.
func rawDescription(screened: Bool, withLeg: Bool) -> [UInt8] {
    var bytes: [UInt8] = []
    func text(_ value: String) { bytes.append(UInt8(value.utf8.count)); bytes += value.utf8 }
    func int(_ value: Int64) { withUnsafeBytes(of: value) { bytes += $0 } }
    text("INV-2026-0001"); text("US"); text("KE"); int(129_450_000_000); int(0); text("refund")
    text("Maria Otieno"); text("ACC-1001"); text("Grace Wanjiru")
    if screened { for _ in 0..<2 { text("clear"); int(4_210); text("demo-list 2026-12-01") } }
    if withLeg { text("mobileWallet"); text("SAFCOM"); text("254712345678"); int(10_000); int(1_281_555) }
    return bytes
}

func rawRun(batch: Int, total: Int) throws -> Double {
    let path = fresh("raw-\(batch)")
    // The same schema, made by the ledger itself, then closed.
    do {
        let ledger = try Ledger(path: path)
        _ = ledger
    }
    var raw = Raw(path: path)
    if let size = ProcessInfo.processInfo.environment["RAW_PAGE_SIZE"] {
        raw.exec("PRAGMA journal_mode = DELETE; PRAGMA page_size = \(size); VACUUM; PRAGMA journal_mode = WAL")
    }
    // A table rebuilt from its schema as `change` rewrites it, its rows and indexes kept.
    func rebuild(_ table: Substring, _ change: (String) -> String) {
        raw.exec("PRAGMA foreign_keys = OFF; BEGIN")
        let schema = raw.statement("SELECT sql FROM sqlite_master WHERE type IN ('table', 'index') AND tbl_name = ? AND sql IS NOT NULL ORDER BY type DESC")
        sqlite3_bind_text(schema, 1, String(table), -1, unsafeBitCast(-1, to: sqlite3_destructor_type.self))
        var sqls: [String] = []
        while sqlite3_step(schema) == SQLITE_ROW { sqls.append(String(cString: sqlite3_column_text(schema, 0))) }
        sqlite3_reset(schema)
        let create = change(sqls[0])
            .replacingOccurrences(of: "CREATE TABLE \"\(table)\"", with: "CREATE TABLE \(table)_rebuilt")
            .replacingOccurrences(of: "CREATE TABLE \(table) (", with: "CREATE TABLE \(table)_rebuilt (")
        raw.exec(create)
        raw.exec("INSERT INTO \(table)_rebuilt SELECT * FROM \(table); DROP TABLE \(table); ALTER TABLE \(table)_rebuilt RENAME TO \(table)")
        for index in sqls.dropFirst() { raw.exec(index) }
        raw.exec("COMMIT; PRAGMA foreign_keys = ON")
    }
    // `RAW_ROWID=transfer`: the table with a rowid and its key as a unique index.
    for table in (ProcessInfo.processInfo.environment["RAW_ROWID"] ?? "").split(separator: ",") {
        rebuild(table) {
            $0.replacingOccurrences(of: "PRIMARY KEY (operator_id, transfer_id", with: "UNIQUE (operator_id, transfer_id")
                .replacingOccurrences(of: ", WITHOUT ROWID", with: "")
        }
    }
    // `RAW_NO_CHECKS=transfer`: the table without its CHECK constraints. Each `CHECK (...)` goes
    // with its balanced parentheses; a table CHECK leaves a comma behind, which goes too.
    for table in (ProcessInfo.processInfo.environment["RAW_NO_CHECKS"] ?? "").split(separator: ",") {
        rebuild(table) { sql in
            let text = Array(sql)
            var out: [Character] = [], i = 0
            while i < text.count {
                guard i + 7 <= text.count, String(text[i..<i + 7]) == "CHECK (" else {
                    out.append(text[i])
                    i += 1
                    continue
                }
                var j = i + 6, depth = 0
                repeat {
                    if text[j] == "(" { depth += 1 } else if text[j] == ")" { depth -= 1 }
                    j += 1
                } while depth > 0
                i = j
            }
            var bare = String(out)
            while let range = bare.range(of: #",\s*(,|\))"#, options: .regularExpression) {
                bare.replaceSubrange(range, with: String(bare[range].last!))
            }
            return bare
        }
    }
    // `RAW_DROP_COLUMNS=leg_reason,leg_partner`: the transfer table without these columns (and
    // without the partial index on legs awaiting operations, which names two of the leg's);
    // with `RAW_NO_CHECKS=transfer` when a CHECK names them. What columns the accept leaves at
    // their defaults cost it.
    let dropped = (ProcessInfo.processInfo.environment["RAW_DROP_COLUMNS"] ?? "").split(separator: ",")
    if !dropped.isEmpty {
        raw.exec("DROP INDEX transfer_leg_awaiting_operations")
        for column in dropped { raw.exec("ALTER TABLE transfer DROP COLUMN \(column)") }
    }
    // `RAW_PACK=1` (with `RAW_NO_CHECKS=transfer`, whose baseline it is measured against): a
    // denser transfer row, its description (what no query filters, sorts, joins or updates:
    // reference, countries, quote and rates, failure policy, parties, both screening decisions,
    // the first leg's destination and share) as one blob of about the same bytes instead of 27
    // columns. What the accept would gain from such a row.
    let packed = ProcessInfo.processInfo.environment["RAW_PACK"] == "1"
    // `RAW_LITERALS=1`: the same row, its eleven constant screening and leg values written as
    // SQL literals instead of bound: what this harness's own binding (an array of `Any?`, each
    // text copied by SQLite) costs, which `RAW_PACK` and `RAW_SKIP` save along with SQLite's work.
    let literals = ProcessInfo.processInfo.environment["RAW_LITERALS"] == "1"
    precondition(!literals || (rawSkip.isEmpty && !packed), "RAW_LITERALS writes the whole row, unpacked")
    if packed {
        precondition(ProcessInfo.processInfo.environment["RAW_NO_CHECKS"] == "transfer", "RAW_PACK needs RAW_NO_CHECKS=transfer")
        for column in rawPackedColumns { raw.exec("ALTER TABLE transfer DROP COLUMN \(column)") }
        raw.exec("ALTER TABLE transfer ADD COLUMN description BLOB")
    }
    // As the ledger (v28): a slice's queued first legs in one outbox run, which each names.
    var outboxRun: Int64 = 0, outboxIds: [UInt8] = []
    func completeOutboxRun(_ raw: inout Raw, _ time: Int64) {
        guard !outboxIds.isEmpty else { return }
        raw.run("INSERT INTO outbox_run (id, operator_id, queued_at, queued, transfer_ids) VALUES (?, 'ACME', ?, ?, ?)",
                [outboxRun, time, Int64(outboxIds.count / 16), outboxIds])
        outboxIds.removeAll(keepingCapacity: true)
    }
    // As the ledger (v25): a slice's accept events in one row, a run.
    var runFirst: Int64 = 0, runIds: [UInt8] = [], runFirstId: [UInt8] = []
    func completeRun(_ raw: inout Raw, _ time: Int64) {
        guard runFirst > 0 else { return }
        let events = Int64(runIds.count / 16) + 1
        raw.run("INSERT INTO event (operator_id, sequence, transfer_id, leg_index, state, reason, partner_reference, occurred_at, events, run_transfer_ids) VALUES ('ACME', ?, ?, NULL, 'accepted', 0, '', ?, ?, ?)",
                [runFirst, runFirstId, time, events, runIds.isEmpty ? nil : runIds])
        runFirst = 0
        runIds.removeAll(keepingCapacity: true)
    }
    // Left-out rows would fail the foreign keys of the rows kept (a transfer's hold, say). Only
    // then are the checks off: they cost about 8 % of the baseline's time, which would otherwise
    // be counted against whatever else is left out.
    if !rawSkip.isDisjoint(with: ["entry", "foreign_keys"]) { raw.exec("PRAGMA foreign_keys = OFF") }
    for index in ["hold_group_pending_by_expiry", "outbox_run_live", "posting_by_account"]
    where rawSkip.contains(index) {
        raw.exec("DROP INDEX \(index)")
    }
    raw.exec("BEGIN")
    raw.run("INSERT INTO operator (id, created_at) VALUES ('ACME', 0)", [])
    raw.run("INSERT INTO account (id, code, type, currency, balance, floor, created_at) VALUES (1, 'operator/ACME/prefund/USD', 'liability', 'USD', ?, 0, 0)", [-Int64(total) * 20_000])
    raw.run("INSERT INTO account (id, code, type, currency, balance, created_at) VALUES (2, 'operator/ACME/holds/USD', 'liability', 'USD', 0, 0)", [])
    raw.exec("COMMIT")
    var previous = [UInt8](repeating: 0, count: 32)
    var prefund = -Int64(total) * 20_000, holds: Int64 = 0, sequence: Int64 = 0, entry: Int64 = 0
    let open = [UInt8](repeating: 0xFF, count: 32)
    var screening: Int64 = 0, screeningHash = [UInt8](repeating: 0, count: 32)
    var inScreeningLink = 0, screeningHasher = SHA256()
    // As the ledger (v23): the screened transfers of a slice share one link of the chain.
    func completeScreeningLink(_ raw: inout Raw, _ time: Int64) {
        guard inScreeningLink > 0 else { return }
        screeningHasher.update(data: screeningHash)
        withUnsafeBytes(of: screening) { screeningHasher.update(bufferPointer: $0) }
        screeningHash = [UInt8](screeningHasher.finalize())
        raw.run("INSERT INTO screening (id, screened_at, transfers, hash) VALUES (?, ?, ?, ?)",
                [screening, time, Int64(inScreeningLink), screeningHash])
        screeningHasher = SHA256()
        inScreeningLink = 0
    }
    // As the ledger: the holds of a slice of 32 new transfers move in one entry, opened by the
    // first (so that holds can name it) and completed at the end of the slice.
    func completeEntry(_ raw: inout Raw, _ count: Int, _ time: Int64) {
        guard count > 0, !rawSkip.contains("entry") else { return }
        var hasher = SHA256()
        hasher.update(data: previous)
        withUnsafeBytes(of: entry) { hasher.update(bufferPointer: $0) }
        let hash = [UInt8](hasher.finalize())
        let moved = Int64(count) * 10_299
        raw.run("UPDATE entry SET reference = ?, previous_hash = ?, hash = ? WHERE id = ?",
                ["\(count) holds", previous, hash, entry])
        previous = hash
        raw.run("INSERT INTO posting (entry_id, line, account_id, amount) VALUES (?, 0, 1, ?)", [entry, moved])
        raw.run("INSERT INTO posting (entry_id, line, account_id, amount) VALUES (?, 1, 2, ?)", [entry, -moved])
        prefund += moved
        holds -= moved
        raw.run("UPDATE account SET balance = ? WHERE id = 1", [prefund])
        raw.run("UPDATE account SET balance = ? WHERE id = 2", [holds])
        // As the ledger (v27): the entry's holds counted by expiry, all of them pending.
        if !rawSkip.contains("leg"), !rawSkip.contains("hold") {
            raw.run("INSERT INTO hold_group (entry_id, expires_at, pending) VALUES (?, ?, ?)", [entry, Int64.max, Int64(count)])
        }
    }
    let start = now()
    var n = 0
    while n < total {
        raw.exec("BEGIN IMMEDIATE")
        var inSlice = 0
        var time: Int64 = 0
        for _ in 0..<min(batch, total - n) {
            n += 1
            let id = transferId(n)
            time = Int64(Date().timeIntervalSince1970 * 1_000)
            if inSlice == 0, !rawSkip.contains("entry") {
                entry += 1
                raw.run("INSERT INTO entry (id, kind, reference, created_at, previous_hash, hash) VALUES (?, 'hold', ?, ?, ?, ?)",
                        [entry, "transfer/ACME/\(id)", time, open, open])
            }
            inSlice += 1
            sequence += 1
            let idBytes = id.bytes
            // As the ledger (v23): both parties' decisions in the transfer's row, which names the
            // slice's link of the screening chain.
            let screened = !rawSkip.contains("screening")
            if screened, inScreeningLink == 0 { screening += 1 }
            let decision: Any? = screened ? "clear" : nil, score: Any? = screened ? 4210 : nil
            let source: Any? = screened ? "demo-list 2026-12-01" : nil
            // As the ledger (v26): the transfer's one leg in its row, with the leg's hold (v21)
            // and its place in the outbox (v22).
            let withLeg = !rawSkip.contains("leg")
            let leg: [Any?] = withLeg ? ["mobileWallet", "SAFCOM", "254712345678", 10000, 1281555, "pending"]
                : [nil, nil, nil, nil, nil, nil]
            let hold: [Any?] = !withLeg || rawSkip.contains("hold") ? [0, 0, nil, nil, nil] : [10299, 10299, "pending", Int64.max, entry]
            let queued: Any? = !withLeg || rawSkip.contains("outbox") ? nil : time
            if queued != nil {
                if outboxIds.isEmpty { outboxRun += 1 }
                outboxIds += id.bytes
            }
            if packed {
                raw.run("INSERT INTO transfer (operator_id, transfer_id, content_hash, state, send_currency, send_amount, fee, payout_currency, payout_amount, created_at, updated_at, last_event_sequence, holds_per_leg, screening_id, description, leg_state, leg_hold_amount, leg_hold_remaining, leg_hold_state, leg_hold_expires_at, leg_hold_entry_id, leg_queued_at, leg_outbox_run) VALUES ('ACME', ?, ?, 'accepted', 'USD', 10000, 299, 'KES', 1281555, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        [idBytes, open, time, time, sequence, screened ? screening : nil, rawDescription(screened: screened, withLeg: withLeg),
                         leg[5]] + hold + [queued, queued == nil ? nil : outboxRun])
            } else if literals {
                raw.run("INSERT INTO transfer (operator_id, transfer_id, content_hash, state, send_currency, send_amount, fee, payout_currency, payout_amount, created_at, updated_at, last_event_sequence, operator_reference, send_country, payout_country, quote_id, rate, reference_rate, holds_per_leg, leg_failure_policy, sender_name, sender_account, beneficiary_name, screening_id, sender_decision, sender_score_bps, sender_source, beneficiary_decision, beneficiary_score_bps, beneficiary_source, leg_product, leg_institution, leg_account, leg_share, leg_payout_amount, leg_state, leg_hold_amount, leg_hold_remaining, leg_hold_state, leg_hold_expires_at, leg_hold_entry_id, leg_queued_at, leg_outbox_run) VALUES ('ACME', ?, ?, 'accepted', 'USD', 10000, 299, 'KES', 1281555, ?, ?, ?, 'INV-2026-0001', 'US', 'KE', NULL, 129450000000, 0, 1, 'refund', 'Maria Otieno', 'ACC-1001', 'Grace Wanjiru', ?, 'clear', 4210, 'demo-list 2026-12-01', 'clear', 4210, 'demo-list 2026-12-01', 'mobileWallet', 'SAFCOM', '254712345678', 10000, 1281555, ?, ?, ?, ?, ?, ?, ?, ?)",
                        [idBytes, open, time, time, sequence, screening, leg[5]] + hold + [queued, queued == nil ? nil : outboxRun])
            } else {
            raw.run("INSERT INTO transfer (operator_id, transfer_id, content_hash, state, send_currency, send_amount, fee, payout_currency, payout_amount, created_at, updated_at, last_event_sequence, operator_reference, send_country, payout_country, quote_id, rate, reference_rate, holds_per_leg, leg_failure_policy, sender_name, sender_account, beneficiary_name, screening_id, sender_decision, sender_score_bps, sender_source, beneficiary_decision, beneficiary_score_bps, beneficiary_source, leg_product, leg_institution, leg_account, leg_share, leg_payout_amount, leg_state, leg_hold_amount, leg_hold_remaining, leg_hold_state, leg_hold_expires_at, leg_hold_entry_id, leg_queued_at, leg_outbox_run) VALUES ('ACME', ?, ?, 'accepted', 'USD', 10000, 299, 'KES', 1281555, ?, ?, ?, 'INV-2026-0001', 'US', 'KE', NULL, 129450000000, 0, 1, 'refund', 'Maria Otieno', 'ACC-1001', 'Grace Wanjiru', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [idBytes, open, time, time, sequence, screened ? screening : nil, decision, score, source, decision, score, source]
                    + leg + hold + [queued, queued == nil ? nil : outboxRun])
            }
            if screened {
                inScreeningLink += 1
                screeningHasher.update(data: idBytes)
            }
            if !rawSkip.contains("event") {
                if runFirst == 0 { (runFirst, runFirstId) = (sequence, idBytes) } else { runIds += idBytes }
            }
            if inSlice == 32 {
                if !rawSkip.contains("event") { raw.run("UPDATE operator SET last_event_sequence = ? WHERE id = 'ACME'", [sequence]) }
                completeEntry(&raw, inSlice, time)
                completeScreeningLink(&raw, time)
                completeRun(&raw, time)
                completeOutboxRun(&raw, time)
                inSlice = 0
            }
        }
        if inSlice > 0, !rawSkip.contains("event") {
            raw.run("UPDATE operator SET last_event_sequence = ? WHERE id = 'ACME'", [sequence])
        }
        completeEntry(&raw, inSlice, time)
        completeScreeningLink(&raw, time)
        completeRun(&raw, time)
        completeOutboxRun(&raw, time)
        raw.exec("COMMIT")
    }
    return Double(total) / (now() - start)
}

// MARK: the issue's reference: the least a double-entry transfer can write

/// One transfer row (its id, the two accounts, the amount) and the two accounts' balances, in a
/// schema of its own: what "raw SQLite, double-entry transfers" means at its smallest, with no
/// hash chain, hold, leg, outbox or event. The ceiling for any ledger on this machine's disk.
func minimalRun(batch: Int, total: Int) throws -> Double {
    let path = fresh("minimal-\(batch)")
    var raw = Raw(path: path)
    raw.exec("""
        CREATE TABLE account (id INTEGER PRIMARY KEY, balance INTEGER NOT NULL);
        CREATE TABLE transfer (id BLOB PRIMARY KEY, debit INTEGER NOT NULL REFERENCES account(id),
                               credit INTEGER NOT NULL REFERENCES account(id), amount INTEGER NOT NULL,
                               created_at INTEGER NOT NULL) WITHOUT ROWID;
        INSERT INTO account (id, balance) VALUES (1, 0), (2, 0);
        """)
    var debit: Int64 = 0
    let start = now()
    var n = 0
    while n < total {
        raw.exec("BEGIN IMMEDIATE")
        for _ in 0..<min(batch, total - n) {
            n += 1
            raw.run("INSERT INTO transfer (id, debit, credit, amount, created_at) VALUES (?, 1, 2, 10299, ?)",
                    [transferId(n).bytes, Int64(n)])
            debit += 10_299
            raw.run("UPDATE account SET balance = ? WHERE id = 1", [-debit])
            raw.run("UPDATE account SET balance = ? WHERE id = 2", [debit])
        }
        raw.exec("COMMIT")
    }
    return Double(total) / (now() - start)
}

/// A leaner accept than the ledger's, keeping what the gateway promises: each transfer's row
/// holds its content hash (idempotency by its primary key), its amounts, parties and legs (one
/// blob), its hold (amount and the entry that made it), its state and its event number (the
/// operator's stream, by an index); the payout outbox is a partial index on accepted rows. The
/// money moves once per batch: one hash-chained entry holding the batch's transfers, two
/// postings, two balance updates. What such a row set would allow on this machine, before any
/// code is changed to it.
func leanRun(batch: Int, total: Int) throws -> Double {
    let path = fresh("lean-\(batch)")
    var raw = Raw(path: path)
    raw.exec("""
        CREATE TABLE account (id INTEGER PRIMARY KEY, balance INTEGER NOT NULL);
        CREATE TABLE entry (id INTEGER PRIMARY KEY, kind TEXT NOT NULL, created_at INTEGER NOT NULL,
                            previous_hash BLOB NOT NULL, hash BLOB NOT NULL);
        CREATE TABLE posting (entry_id INTEGER NOT NULL REFERENCES entry(id), line INTEGER NOT NULL,
                              account_id INTEGER NOT NULL REFERENCES account(id), amount INTEGER NOT NULL,
                              PRIMARY KEY (entry_id, line)) WITHOUT ROWID;
        CREATE TABLE transfer (operator_id TEXT NOT NULL, transfer_id BLOB NOT NULL, content_hash BLOB NOT NULL,
                               state TEXT NOT NULL, hold_amount INTEGER NOT NULL, hold_entry INTEGER NOT NULL,
                               send_currency TEXT NOT NULL, send_amount INTEGER NOT NULL, fee INTEGER NOT NULL,
                               payout_currency TEXT NOT NULL, payout_amount INTEGER NOT NULL, rate INTEGER NOT NULL,
                               operator_reference TEXT NOT NULL, sender_name TEXT NOT NULL, sender_account TEXT NOT NULL,
                               beneficiary_name TEXT NOT NULL, legs BLOB NOT NULL, created_at INTEGER NOT NULL,
                               event_sequence INTEGER NOT NULL,
                               PRIMARY KEY (operator_id, transfer_id)) WITHOUT ROWID;
        CREATE UNIQUE INDEX transfer_events ON transfer (operator_id, event_sequence);
        CREATE INDEX transfer_due ON transfer (created_at) WHERE state = 'accepted';
        INSERT INTO account (id, balance) VALUES (1, 0), (2, 0);
        """)
    let legs: [UInt8] = Array("\u{1}mobileWallet\u{0}SAFCOM\u{0}254712345678\u{0}10000\u{0}1281555".utf8)
    var previous = [UInt8](repeating: 0, count: 32)
    var held: Int64 = 0, sequence: Int64 = 0, entry: Int64 = 0
    let start = now()
    var n = 0
    while n < total {
        raw.exec("BEGIN IMMEDIATE")
        entry += 1
        let time = Int64(Date().timeIntervalSince1970 * 1_000)
        var hasher = SHA256()
        hasher.update(data: previous)
        var batchAmount: Int64 = 0
        for _ in 0..<min(batch, total - n) {
            n += 1
            sequence += 1
            let id = transferId(n).bytes
            hasher.update(data: id)
            raw.run("""
                INSERT INTO transfer VALUES ('ACME', ?, ?, 'accepted', 10299, ?, 'USD', 10000, 299, 'KES', 1281555,
                    129450000000, 'INV-2026-0001', 'Maria Otieno', 'ACC-1001', 'Grace Wanjiru', ?, ?, ?)
                ON CONFLICT DO NOTHING
                """, [id, id, entry, legs, time, sequence])
            batchAmount += 10_299
        }
        let hash = [UInt8](hasher.finalize())
        raw.run("INSERT INTO entry (id, kind, created_at, previous_hash, hash) VALUES (?, 'holds', ?, ?, ?)", [entry, time, previous, hash])
        previous = hash
        raw.run("INSERT INTO posting (entry_id, line, account_id, amount) VALUES (?, 0, 1, ?)", [entry, batchAmount])
        raw.run("INSERT INTO posting (entry_id, line, account_id, amount) VALUES (?, 1, 2, ?)", [entry, -batchAmount])
        held += batchAmount
        raw.run("UPDATE account SET balance = ? WHERE id = 1", [held])
        raw.run("UPDATE account SET balance = ? WHERE id = 2", [-held])
        raw.exec("COMMIT")
    }
    return Double(total) / (now() - start)
}

// `LedgerBenchmark FOLDER minimal` measures that reference and the lean row set, at 1,000 and
// 8,189, beside the ledger's own rows written raw.
if CommandLine.arguments.count > 2, CommandLine.arguments[2] == "minimal" {
    let rounds = Int(ProcessInfo.processInfo.environment["ROUNDS"] ?? "") ?? 5
    func median(_ run: () throws -> Double) rethrows -> (Double, Double, Double) {
        let results = try (0..<rounds).map { _ in try run() }.sorted()
        return (results[results.count / 2], results.first!, results.last!)
    }
    for batch in [1_000, 8_189] {
        for (name, run) in [("minimal double-entry", minimalRun), ("lean accept", leanRun), ("the ledger's rows, raw", rawRun)] {
            let (middle, low, high) = try median { try run(batch, batch * 40) }
            print(String(format: "%-24@ batch %5d: median %7.0f/s (min %.0f, max %.0f)", name as NSString, batch, middle, low, high))
        }
    }
    exit(0)
}

// `LedgerBenchmark FOLDER raw 8189` runs only the raw baseline at one batch size (with RAW_SKIP, to
// see what a part of the rows costs).
if CommandLine.arguments.count > 3, CommandLine.arguments[2] == "raw", let batch = Int(CommandLine.arguments[3]) {
    print(String(format: "raw batch %d: %.0f/s", batch, try rawRun(batch: batch, total: budget[batch] ?? 60_000)))
    exit(0)
}
// `LedgerBenchmark FOLDER ledger 1000` runs only the ledger at one batch size (for a profiler).
if CommandLine.arguments.count > 3, CommandLine.arguments[2] == "ledger", let batch = Int(CommandLine.arguments[3]) {
    print(String(format: "ledger batch %d: %.0f/s", batch, try await ledgerRun(batch: batch, total: budget[batch] ?? 60_000)))
    exit(0)
}
// Raw and ledger alternate, several rounds per batch size; the table shows medians, since a
// shared virtual machine's disk varies from one second to the next.
let rounds = Int(ProcessInfo.processInfo.environment["ROUNDS"] ?? "") ?? 5
print("batch   raw/s      ledger/s   ratio   (median of \(rounds) alternating rounds)")
func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
for batch in [1, 100, 1_000, 8_189] {
    let total = budget[batch]!
    var raws = [Double](), ledgers = [Double](), ratios = [Double]()
    for _ in 0..<(batch == 1 ? 1 : rounds) {
        let raw = try rawRun(batch: batch, total: total)
        let ledger = try await ledgerRun(batch: batch, total: total)
        raws.append(raw)
        ledgers.append(ledger)
        ratios.append(ledger / raw)
    }
    print(String(format: "%5d  %8.0f  %10.0f   %.2f", batch, median(raws), median(ledgers), median(ratios)))
}
