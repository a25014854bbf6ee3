import Foundation
import GRDB
import RemitDomain

/// The ledger's tables. Amounts are INTEGER minor units; a posting's amount is positive for a
/// debit and negative for a credit; `account.balance` is debits minus credits. STRICT tables and
/// CHECK constraints refuse anything the code should never write.
enum Schema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: accounts, journal, holds") { db in
            try db.execute(sql: """
                CREATE TABLE account (
                    id INTEGER PRIMARY KEY,
                    code TEXT NOT NULL UNIQUE,
                    type TEXT NOT NULL CHECK (type IN ('asset', 'liability', 'equity', 'revenue', 'expense')),
                    currency TEXT NOT NULL CHECK (length(currency) = 3),
                    balance INTEGER NOT NULL DEFAULT 0,
                    floor INTEGER,
                    created_at INTEGER NOT NULL
                ) STRICT;

                CREATE TABLE operator (
                    id TEXT PRIMARY KEY,
                    created_at INTEGER NOT NULL
                ) STRICT;

                CREATE TABLE entry (
                    id INTEGER PRIMARY KEY,
                    kind TEXT NOT NULL,
                    reference TEXT NOT NULL,
                    created_at INTEGER NOT NULL,
                    previous_hash BLOB NOT NULL CHECK (length(previous_hash) = 32),
                    hash BLOB NOT NULL UNIQUE CHECK (length(hash) = 32)
                ) STRICT;

                CREATE TABLE posting (
                    entry_id INTEGER NOT NULL REFERENCES entry(id),
                    line INTEGER NOT NULL,
                    account_id INTEGER NOT NULL REFERENCES account(id),
                    amount INTEGER NOT NULL CHECK (amount <> 0),
                    PRIMARY KEY (entry_id, line)
                ) STRICT, WITHOUT ROWID;
                CREATE INDEX posting_by_account ON posting(account_id, entry_id);

                CREATE TABLE hold (
                    id TEXT PRIMARY KEY,
                    operator_id TEXT NOT NULL REFERENCES operator(id),
                    currency TEXT NOT NULL,
                    amount INTEGER NOT NULL CHECK (amount > 0),
                    remaining INTEGER NOT NULL CHECK (remaining >= 0 AND remaining <= amount),
                    state TEXT NOT NULL CHECK (state IN ('pending', 'posted', 'voided', 'expired')),
                    expires_at INTEGER NOT NULL,
                    created_entry_id INTEGER NOT NULL REFERENCES entry(id),
                    closed_entry_id INTEGER REFERENCES entry(id),
                    CHECK ((state = 'pending') = (closed_entry_id IS NULL)),
                    CHECK (state = 'pending' OR remaining = 0)
                ) STRICT;
                CREATE INDEX hold_pending_by_expiry ON hold(expires_at) WHERE state = 'pending';
                """)
        }
        migrator.registerMigration("v2: transfers, legs, outbox, events") { db in
            try db.execute(sql: """
                ALTER TABLE operator ADD COLUMN last_event_sequence INTEGER NOT NULL DEFAULT 0;

                CREATE TABLE transfer (
                    operator_id TEXT NOT NULL REFERENCES operator(id),
                    transfer_id BLOB NOT NULL CHECK (length(transfer_id) = 16),
                    content_hash BLOB NOT NULL CHECK (length(content_hash) = 32),
                    state TEXT NOT NULL,
                    reason INTEGER NOT NULL DEFAULT 0,
                    field INTEGER NOT NULL DEFAULT 0,
                    hold_id TEXT REFERENCES hold(id),
                    send_currency TEXT,
                    send_amount INTEGER NOT NULL DEFAULT 0,
                    fee INTEGER NOT NULL DEFAULT 0,
                    payout_currency TEXT,
                    payout_amount INTEGER NOT NULL DEFAULT 0,
                    created_at INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL,
                    last_event_sequence INTEGER NOT NULL DEFAULT 0,
                    PRIMARY KEY (operator_id, transfer_id),
                    CHECK ((state = 'rejected') = (hold_id IS NULL))
                ) STRICT, WITHOUT ROWID;

                CREATE TABLE leg (
                    operator_id TEXT NOT NULL,
                    transfer_id BLOB NOT NULL,
                    leg_index INTEGER NOT NULL CHECK (leg_index >= 0),
                    product TEXT NOT NULL,
                    institution TEXT NOT NULL,
                    account TEXT NOT NULL,
                    share INTEGER NOT NULL CHECK (share > 0 AND share <= 10000),
                    payout_amount INTEGER NOT NULL CHECK (payout_amount >= 0),
                    state TEXT NOT NULL,
                    reason INTEGER NOT NULL DEFAULT 0,
                    partner_reference TEXT NOT NULL DEFAULT '',
                    PRIMARY KEY (operator_id, transfer_id, leg_index),
                    FOREIGN KEY (operator_id, transfer_id) REFERENCES transfer(operator_id, transfer_id)
                ) STRICT, WITHOUT ROWID;

                CREATE TABLE outbox (
                    id INTEGER PRIMARY KEY,
                    operator_id TEXT NOT NULL,
                    transfer_id BLOB NOT NULL,
                    leg_index INTEGER NOT NULL,
                    created_at INTEGER NOT NULL,
                    FOREIGN KEY (operator_id, transfer_id, leg_index) REFERENCES leg(operator_id, transfer_id, leg_index)
                ) STRICT;

                CREATE TABLE event (
                    operator_id TEXT NOT NULL REFERENCES operator(id),
                    sequence INTEGER NOT NULL CHECK (sequence > 0),
                    transfer_id BLOB NOT NULL,
                    leg_index INTEGER,
                    state TEXT NOT NULL,
                    reason INTEGER NOT NULL DEFAULT 0,
                    partner_reference TEXT NOT NULL DEFAULT '',
                    occurred_at INTEGER NOT NULL,
                    PRIMARY KEY (operator_id, sequence)
                ) STRICT, WITHOUT ROWID;
                """)
        }
        migrator.registerMigration("v3: what a transfer status reports") { db in
            try db.execute(sql: """
                ALTER TABLE transfer ADD COLUMN operator_reference TEXT NOT NULL DEFAULT '';
                ALTER TABLE transfer ADD COLUMN send_country TEXT;
                ALTER TABLE transfer ADD COLUMN payout_country TEXT;
                ALTER TABLE transfer ADD COLUMN quote_id BLOB CHECK (quote_id IS NULL OR length(quote_id) = 16);
                ALTER TABLE transfer ADD COLUMN rate INTEGER NOT NULL DEFAULT 0 CHECK (rate >= 0);
                -- Partial: new transfers (accepted) never enter it, so it costs the hot path nothing.
                CREATE INDEX transfer_in_doubt ON transfer(operator_id) WHERE state = 'inDoubt';
                """)
        }
        migrator.registerMigration("v4: payout dispatch") { db in
            try db.execute(sql: """
                ALTER TABLE leg ADD COLUMN partner TEXT NOT NULL DEFAULT '';
                ALTER TABLE outbox ADD COLUMN due_at INTEGER NOT NULL DEFAULT 0;
                ALTER TABLE outbox ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
                ALTER TABLE outbox ADD COLUMN inquiries INTEGER NOT NULL DEFAULT 0;
                ALTER TABLE outbox ADD COLUMN review INTEGER NOT NULL DEFAULT 0 CHECK (review IN (0, 1));
                CREATE UNIQUE INDEX outbox_by_leg ON outbox(operator_id, transfer_id, leg_index);
                """)
        }
        migrator.registerMigration("v5: manual payout resolutions") { db in
            try db.execute(sql: """
                CREATE TABLE resolution (
                    id INTEGER PRIMARY KEY,
                    operator_id TEXT NOT NULL,
                    transfer_id BLOB NOT NULL,
                    leg_index INTEGER NOT NULL,
                    outcome TEXT NOT NULL CHECK (outcome IN ('paid', 'failed')),
                    evidence TEXT NOT NULL CHECK (length(evidence) > 0),
                    resolved_at INTEGER NOT NULL,
                    FOREIGN KEY (operator_id, transfer_id, leg_index) REFERENCES leg(operator_id, transfer_id, leg_index)
                ) STRICT;
                """)
        }
        migrator.registerMigration("v6: reference rates and quotes") { db in
            try db.execute(sql: """
                CREATE TABLE reference_rate (
                    base TEXT NOT NULL CHECK (length(base) = 3),
                    quote TEXT NOT NULL CHECK (length(quote) = 3),
                    mid INTEGER NOT NULL CHECK (mid > 0),
                    as_of INTEGER NOT NULL,
                    source TEXT NOT NULL,
                    recorded_at INTEGER NOT NULL,
                    PRIMARY KEY (base, quote)
                ) STRICT, WITHOUT ROWID;

                CREATE TABLE quote (
                    operator_id TEXT NOT NULL REFERENCES operator(id),
                    quote_id BLOB NOT NULL CHECK (length(quote_id) = 16),
                    send_country TEXT NOT NULL,
                    payout_country TEXT NOT NULL,
                    send_currency TEXT NOT NULL,
                    payout_currency TEXT NOT NULL,
                    amount_mode TEXT NOT NULL CHECK (amount_mode IN ('send', 'receive')),
                    amount INTEGER NOT NULL CHECK (amount > 0),
                    send_amount INTEGER NOT NULL,
                    fee INTEGER NOT NULL,
                    payout_amount INTEGER NOT NULL,
                    rate INTEGER NOT NULL,
                    reference_rate INTEGER NOT NULL,
                    legs TEXT NOT NULL,
                    created_at INTEGER NOT NULL,
                    expires_at INTEGER NOT NULL,
                    PRIMARY KEY (operator_id, quote_id)
                ) STRICT, WITHOUT ROWID;
                """)
        }
        migrator.registerMigration("v7: volumes for limits") { db in
            try db.execute(sql: """
                CREATE TABLE volume (
                    operator_id TEXT NOT NULL,
                    party TEXT NOT NULL,
                    day INTEGER NOT NULL,
                    count INTEGER NOT NULL CHECK (count > 0),
                    amount INTEGER NOT NULL CHECK (amount >= 0),
                    PRIMARY KEY (operator_id, party, day)
                ) STRICT, WITHOUT ROWID;
                """)
        }
        migrator.registerMigration("v8: screening and review") { db in
            try db.execute(sql: """
                CREATE TABLE screening (
                    id INTEGER PRIMARY KEY,
                    operator_id TEXT NOT NULL,
                    transfer_id BLOB NOT NULL,
                    party TEXT NOT NULL CHECK (party IN ('sender', 'beneficiary')),
                    decision TEXT NOT NULL CHECK (decision IN ('clear', 'review', 'match')),
                    score_bps INTEGER NOT NULL CHECK (score_bps BETWEEN 0 AND 10000),
                    entry_id TEXT,
                    matched_name TEXT,
                    source TEXT,
                    screened_at INTEGER NOT NULL
                ) STRICT;
                CREATE INDEX screening_by_transfer ON screening(operator_id, transfer_id);

                CREATE TABLE review_decision (
                    id INTEGER PRIMARY KEY,
                    operator_id TEXT NOT NULL,
                    transfer_id BLOB NOT NULL,
                    decision TEXT NOT NULL CHECK (decision IN ('approved', 'rejected')),
                    note TEXT NOT NULL CHECK (length(note) > 0),
                    decided_at INTEGER NOT NULL
                ) STRICT;
                """)
        }
        migrator.registerMigration("v9: reference rate per transfer") { db in
            try db.execute(sql: """
                ALTER TABLE transfer ADD COLUMN reference_rate INTEGER NOT NULL DEFAULT 0 CHECK (reference_rate >= 0);
                """)
        }
        migrator.registerMigration("v10: which partner may have a payout") { db in
            try db.execute(sql: """
                ALTER TABLE outbox ADD COLUMN taken INTEGER NOT NULL DEFAULT 0 CHECK (taken IN (0, 1));
                """)
        }
        migrator.registerMigration("v11: a hold per leg") { db in
            try db.execute(sql: """
                ALTER TABLE leg ADD COLUMN hold_id TEXT REFERENCES hold(id);
                -- 1: each leg has its own hold (leg.hold_id; none for a leg that holds nothing).
                -- 0: one hold for the transfer, posted in parts (transfers recorded before v11).
                ALTER TABLE transfer ADD COLUMN holds_per_leg INTEGER NOT NULL DEFAULT 0 CHECK (holds_per_leg IN (0, 1));
                -- The sender's choice for a leg that cannot be paid: refund it, or pay it through the first leg.
                ALTER TABLE transfer ADD COLUMN leg_failure_policy TEXT NOT NULL DEFAULT 'refund'
                    CHECK (leg_failure_policy IN ('refund', 'redirect'));
                -- A redirected leg's payout to the first leg's destination, with its own progress.
                ALTER TABLE outbox ADD COLUMN redirect INTEGER NOT NULL DEFAULT 0 CHECK (redirect IN (0, 1));
                ALTER TABLE outbox ADD COLUMN redirect_state TEXT
                    CHECK ((redirect = 0) = (redirect_state IS NULL));
                """)
        }
        migrator.registerMigration("v12: the parties' names travel with the payout") { db in
            try db.execute(sql: """
                -- FATF Recommendation 16: the originator's and the beneficiary's data go with the
                -- transfer to whoever pays it out (names, the sender's account or reference).
                ALTER TABLE transfer ADD COLUMN sender_name TEXT NOT NULL DEFAULT '';
                ALTER TABLE transfer ADD COLUMN sender_account TEXT NOT NULL DEFAULT '';
                ALTER TABLE transfer ADD COLUMN beneficiary_name TEXT NOT NULL DEFAULT '';
                """)
        }
        migrator.registerMigration("v13: standing instructions") { db in
            try db.execute(sql: """
                -- A beneficiary's default split, registered by its operator (PROTOCOL.md version 2).
                -- A deleted instruction keeps its row with legs '[]', so that revisions keep counting.
                CREATE TABLE standing_instruction (
                    operator_id TEXT NOT NULL REFERENCES operator(id),
                    beneficiary_account TEXT NOT NULL CHECK (length(beneficiary_account) BETWEEN 1 AND 34),
                    reference TEXT NOT NULL,
                    legs TEXT NOT NULL,
                    revision INTEGER NOT NULL CHECK (revision >= 1),
                    updated_at INTEGER NOT NULL,
                    PRIMARY KEY (operator_id, beneficiary_account)
                ) STRICT, WITHOUT ROWID;
                -- The revision of the instruction a transfer applied; NULL if it applied none.
                ALTER TABLE transfer ADD COLUMN standing_instruction_revision INTEGER;
                """)
        }
        migrator.registerMigration("v14: entry hashes without a unique index") { db in
            // A UNIQUE hash meant an index keyed by SHA-256 values: every entry landed on a
            // random page of it, so each commit wrote one page per entry, and once the index
            // outgrew the cache read one too (25-32 % slower after 10 million transfers, 13 %
            // without it; BENCHMARKS.md). The chain, which verify recomputes, is what detects
            // an edit; uniqueness added nothing.
            // SQLite cannot drop a constraint, so the table is rebuilt (its documented
            // procedure; GRDB runs migrations with foreign keys off and checks them after).
            try db.execute(sql: """
                CREATE TABLE entry_v14 (
                    id INTEGER PRIMARY KEY,
                    kind TEXT NOT NULL,
                    reference TEXT NOT NULL,
                    created_at INTEGER NOT NULL,
                    previous_hash BLOB NOT NULL CHECK (length(previous_hash) = 32),
                    hash BLOB NOT NULL CHECK (length(hash) = 32)
                ) STRICT;
                INSERT INTO entry_v14 (id, kind, reference, created_at, previous_hash, hash)
                    SELECT id, kind, reference, created_at, previous_hash, hash FROM entry;
                DROP TABLE entry;
                ALTER TABLE entry_v14 RENAME TO entry;
                """)
        }
        migrator.registerMigration("v15: the audit log; screening decisions hash-chained") { db in
            // Lines are only appended (ids 1, 2, …), so the table is a rowid b-tree written at its
            // end: no index, no random page per line.
            try db.execute(sql: """
                CREATE TABLE audit (
                    id INTEGER PRIMARY KEY,
                    at INTEGER NOT NULL,
                    actor TEXT NOT NULL CHECK (length(actor) BETWEEN 1 AND 128),
                    action TEXT NOT NULL CHECK (length(action) BETWEEN 1 AND 64),
                    subject TEXT NOT NULL CHECK (length(subject) <= 256),
                    detail TEXT NOT NULL CHECK (length(detail) <= 2000),
                    outcome TEXT NOT NULL CHECK (length(outcome) <= 2000),
                    hash BLOB NOT NULL CHECK (length(hash) = 32)
                ) STRICT;
                ALTER TABLE screening ADD COLUMN hash BLOB NOT NULL DEFAULT x'';
                """)
            // Decisions recorded before this version join the chain in the order they were made.
            var previous = Chain.screening.genesisHash
            let rows = try Row.fetchAll(db, sql: """
                SELECT id, operator_id, transfer_id, party, decision, score_bps, entry_id, matched_name, source, screened_at
                FROM screening ORDER BY id
                """)
            var expected: Int64 = 1
            for row in rows {
                let id: Int64 = row["id"]
                // Renumbered gap-free (nothing refers to a screening row's id) so that the chain can
                // tell a deleted row.
                let hash = Screenings.v15RowHash(row, previous: previous, id: expected)
                try db.execute(sql: "UPDATE screening SET id = ?, hash = ? WHERE id = ?", arguments: [expected, hash, id])
                previous = hash
                expected += 1
            }
        }
        migrator.registerMigration("v16: reversals of paid legs") { db in
            try db.execute(sql: """
                CREATE TABLE reversal (
                    id INTEGER PRIMARY KEY,
                    operator_id TEXT NOT NULL,
                    transfer_id BLOB NOT NULL,
                    leg_index INTEGER NOT NULL,
                    entry_id INTEGER NOT NULL REFERENCES entry(id),
                    source TEXT NOT NULL CHECK (source IN ('partner', 'operations')),
                    evidence TEXT NOT NULL CHECK (length(evidence) BETWEEN 1 AND 500),
                    reversed_at INTEGER NOT NULL,
                    UNIQUE (operator_id, transfer_id, leg_index),
                    FOREIGN KEY (operator_id, transfer_id, leg_index) REFERENCES leg(operator_id, transfer_id, leg_index)
                ) STRICT;
                """)
        }
        migrator.registerMigration("v17: a transfer's screening decisions in one row") { db in
            let party = { (name: String) in
                """
                \(name)_decision TEXT CHECK (\(name)_decision IN ('clear', 'review', 'match')),
                \(name)_score_bps INTEGER CHECK (\(name)_score_bps BETWEEN 0 AND 10000),
                \(name)_entry_id TEXT,
                \(name)_matched_name TEXT,
                \(name)_source TEXT,
                """
            }
            try db.execute(sql: """
                CREATE TABLE screening_v17 (
                    id INTEGER PRIMARY KEY,
                    operator_id TEXT NOT NULL,
                    transfer_id BLOB NOT NULL,
                    screened_at INTEGER NOT NULL,
                    \(party("sender"))
                    \(party("beneficiary"))
                    hash BLOB NOT NULL CHECK (length(hash) = 32),
                    CHECK (sender_decision IS NOT NULL OR beneficiary_decision IS NOT NULL),
                    CHECK ((sender_decision IS NULL) = (sender_score_bps IS NULL)),
                    CHECK ((beneficiary_decision IS NULL) = (beneficiary_score_bps IS NULL))
                ) STRICT;
                """)
            // A transfer's decisions were recorded together, so they are consecutive rows: each
            // run of one transfer's rows (one per party) becomes one row, chained anew in order.
            // The old chain is checked first, row by row: chaining anew rows edited before the
            // upgrade would hide the edit, so a broken chain stops the upgrade instead.
            let rows = try Row.fetchCursor(db, sql: """
                SELECT id, operator_id, transfer_id, party, decision, score_bps, entry_id, matched_name, source, screened_at,
                       hash
                FROM screening ORDER BY id
                """)
            var oldPrevious = Chain.screening.genesisHash
            var oldExpected: Int64 = 1
            var previous = Chain.screening.genesisHash
            var id: Int64 = 0
            var pending: (operatorId: String, transfer: Data, at: Int64, decisions: [String: ScreeningRecord])?
            func write() throws {
                guard let row = pending else { return }
                id += 1
                let transfer = TransferID(bytes: [UInt8](row.transfer)) ?? TransferID(high: 0, low: 0)
                let sender = row.decisions["sender"], beneficiary = row.decisions["beneficiary"]
                let hash = Screenings.v17RowHash(previous: previous, id: id, operatorId: row.operatorId, transfer: transfer,
                                                 sender: sender, beneficiary: beneficiary, at: row.at)
                var arguments: [(any DatabaseValueConvertible)?] = [id, row.operatorId, row.transfer, row.at]
                for decision in [sender, beneficiary] {
                    arguments += [decision?.decision, decision.map { $0.scoreBps }, decision?.entryId, decision?.matchedName,
                                  decision?.source]
                }
                arguments.append(hash)
                try db.execute(sql: """
                    INSERT INTO screening_v17 (id, operator_id, transfer_id, screened_at, \(Screenings.decisionColumns), hash)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, arguments: StatementArguments(arguments))
                previous = hash
                pending = nil
            }
            while let row = try rows.next() {
                let oldId: Int64 = row["id"], oldHash: Data = row["hash"]
                guard oldId == oldExpected, Screenings.v15RowHash(row, previous: oldPrevious, id: oldId) == oldHash else {
                    throw LedgerError.storage("""
                        screening decision \(oldExpected) does not follow from the chain before it (remitctl verify of \
                        the previous version shows it): the decisions were changed, and chaining them anew would hide \
                        that; keep this file as evidence and restore a backup
                        """)
                }
                oldPrevious = oldHash
                oldExpected += 1
                let operatorId: String = row["operator_id"], transfer: Data = row["transfer_id"], name: String = row["party"]
                let decision = ScreeningRecord(party: name, decision: row["decision"], scoreBps: row["score_bps"],
                                               entryId: row["entry_id"], matchedName: row["matched_name"], source: row["source"])
                if let current = pending, current.operatorId == operatorId, current.transfer == transfer,
                   current.decisions[name] == nil {
                    pending!.decisions[name] = decision
                } else {
                    try write()
                    pending = (operatorId, transfer, row["screened_at"], [name: decision])
                }
            }
            try write()
            try db.execute(sql: """
                DROP TABLE screening;
                ALTER TABLE screening_v17 RENAME TO screening;
                CREATE INDEX screening_by_transfer ON screening(operator_id, transfer_id);
                """)
        }
        migrator.registerMigration("v18: value checks without a table per statement") { db in
            // SQLite evaluates `x IN ('a', 'b', 'c')` (three values or more) by building a small
            // temporary B-tree of the values, once per statement execution: for a CHECK constraint,
            // on every insert. The hold's state and the two screening decisions did this three times
            // per accepted transfer, about a quarter of the raw baseline's time (BENCHMARKS.md). The
            // same checks as comparisons cost nothing. SQLite cannot change a constraint, so both
            // tables are rebuilt (its documented procedure, as v14), rows and ids unchanged: the
            // decisions' hash chain covers the values, not the table's layout.
            try db.execute(sql: """
                CREATE TABLE hold_v18 (
                    id TEXT PRIMARY KEY,
                    operator_id TEXT NOT NULL REFERENCES operator(id),
                    currency TEXT NOT NULL,
                    amount INTEGER NOT NULL CHECK (amount > 0),
                    remaining INTEGER NOT NULL CHECK (remaining >= 0 AND remaining <= amount),
                    state TEXT NOT NULL CHECK (\(Schema.oneOf("state", ["pending", "posted", "voided", "expired"]))),
                    expires_at INTEGER NOT NULL,
                    created_entry_id INTEGER NOT NULL REFERENCES entry(id),
                    closed_entry_id INTEGER REFERENCES entry(id),
                    CHECK ((state = 'pending') = (closed_entry_id IS NULL)),
                    CHECK (state = 'pending' OR remaining = 0)
                ) STRICT;
                INSERT INTO hold_v18 (id, operator_id, currency, amount, remaining, state, expires_at, created_entry_id,
                                      closed_entry_id)
                    SELECT id, operator_id, currency, amount, remaining, state, expires_at, created_entry_id, closed_entry_id
                    FROM hold ORDER BY rowid;
                DROP TABLE hold;
                ALTER TABLE hold_v18 RENAME TO hold;
                CREATE INDEX hold_pending_by_expiry ON hold(expires_at) WHERE state = 'pending';
                """)
            let party = { (name: String) in
                """
                \(name)_decision TEXT CHECK (\(Schema.oneOf("\(name)_decision", ["clear", "review", "match"]))),
                \(name)_score_bps INTEGER CHECK (\(name)_score_bps BETWEEN 0 AND 10000),
                \(name)_entry_id TEXT,
                \(name)_matched_name TEXT,
                \(name)_source TEXT,
                """
            }
            try db.execute(sql: """
                CREATE TABLE screening_v18 (
                    id INTEGER PRIMARY KEY,
                    operator_id TEXT NOT NULL,
                    transfer_id BLOB NOT NULL,
                    screened_at INTEGER NOT NULL,
                    \(party("sender"))
                    \(party("beneficiary"))
                    hash BLOB NOT NULL CHECK (length(hash) = 32),
                    CHECK (sender_decision IS NOT NULL OR beneficiary_decision IS NOT NULL),
                    CHECK ((sender_decision IS NULL) = (sender_score_bps IS NULL)),
                    CHECK ((beneficiary_decision IS NULL) = (beneficiary_score_bps IS NULL))
                ) STRICT;
                INSERT INTO screening_v18 (id, operator_id, transfer_id, screened_at, \(Screenings.decisionColumns), hash)
                    SELECT id, operator_id, transfer_id, screened_at, \(Screenings.decisionColumns), hash FROM screening ORDER BY id;
                DROP TABLE screening;
                ALTER TABLE screening_v18 RENAME TO screening;
                CREATE INDEX screening_by_transfer ON screening(operator_id, transfer_id);
                """)
        }
        migrator.registerMigration("v19: collective remittances") { db in
            // Hometown associations' projects, their sponsors and what each contribution brought
            // (docs/projects.md). The money is in accounts (`project/<id>/escrow`,
            // `sponsor/<id>/budget`); these rows say whose it is and why.
            try db.execute(sql: """
                CREATE TABLE association (
                    id TEXT PRIMARY KEY,
                    operator_id TEXT NOT NULL REFERENCES operator(id),
                    name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 140),
                    country TEXT NOT NULL CHECK (length(country) = 2),
                    created_at INTEGER NOT NULL
                ) STRICT, WITHOUT ROWID;

                CREATE TABLE project (
                    id TEXT PRIMARY KEY,
                    association_id TEXT NOT NULL REFERENCES association(id),
                    title TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 140),
                    currency TEXT NOT NULL CHECK (length(currency) = 3),
                    target INTEGER NOT NULL CHECK (target > 0),
                    partner TEXT NOT NULL,
                    institution TEXT NOT NULL,
                    account TEXT NOT NULL,
                    deadline INTEGER NOT NULL,
                    refund_policy TEXT NOT NULL CHECK (\(Schema.oneOf("refund_policy", ["full", "amount"]))),
                    state TEXT NOT NULL CHECK (\(Schema.oneOf("state", ["open", "funded", "refunding", "refunded", "completed"]))),
                    contributed INTEGER NOT NULL DEFAULT 0 CHECK (contributed >= 0),
                    matched INTEGER NOT NULL DEFAULT 0 CHECK (matched >= 0),
                    contributions INTEGER NOT NULL DEFAULT 0 CHECK (contributions >= 0),
                    created_at INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL
                ) STRICT, WITHOUT ROWID;
                CREATE INDEX project_open_by_deadline ON project(deadline) WHERE state = 'open' OR state = 'refunding';

                CREATE TABLE milestone (
                    project_id TEXT NOT NULL REFERENCES project(id),
                    position INTEGER NOT NULL CHECK (position >= 1),
                    description TEXT NOT NULL CHECK (length(description) BETWEEN 1 AND 140),
                    amount INTEGER NOT NULL CHECK (amount > 0),
                    state TEXT NOT NULL DEFAULT 'pending' CHECK (\(Schema.oneOf("state", ["pending", "disbursing", "paid"]))),
                    PRIMARY KEY (project_id, position)
                ) STRICT, WITHOUT ROWID;

                CREATE TABLE sponsor (
                    id TEXT PRIMARY KEY,
                    name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 140),
                    created_at INTEGER NOT NULL
                ) STRICT, WITHOUT ROWID;

                -- A sponsor's rule for one project: ratio_ppm of each eligible contribution, within
                -- the caps; send_countries '' is any, else a comma list of ISO 3166 codes.
                CREATE TABLE sponsorship (
                    project_id TEXT NOT NULL REFERENCES project(id),
                    sponsor_id TEXT NOT NULL REFERENCES sponsor(id),
                    position INTEGER NOT NULL CHECK (position >= 1),
                    ratio_ppm INTEGER NOT NULL CHECK (ratio_ppm BETWEEN 1 AND 10000000),
                    project_cap INTEGER NOT NULL CHECK (project_cap > 0),
                    contributor_cap INTEGER NOT NULL CHECK (contributor_cap > 0),
                    min_contribution INTEGER NOT NULL CHECK (min_contribution >= 0),
                    send_countries TEXT NOT NULL,
                    matched INTEGER NOT NULL DEFAULT 0 CHECK (matched >= 0 AND matched <= project_cap),
                    created_at INTEGER NOT NULL,
                    PRIMARY KEY (project_id, sponsor_id),
                    UNIQUE (project_id, position)
                ) STRICT, WITHOUT ROWID;

                -- One paid contribution leg; its number within the project is its receipt's.
                CREATE TABLE contribution (
                    project_id TEXT NOT NULL REFERENCES project(id),
                    number INTEGER NOT NULL CHECK (number >= 1),
                    operator_id TEXT NOT NULL,
                    transfer_id BLOB NOT NULL,
                    leg_index INTEGER NOT NULL,
                    contributor TEXT NOT NULL,
                    contributor_name TEXT NOT NULL,
                    send_country TEXT NOT NULL,
                    amount INTEGER NOT NULL CHECK (amount > 0),
                    entry_id INTEGER NOT NULL REFERENCES entry(id),
                    state TEXT NOT NULL CHECK (state = 'held' OR state = 'refunded'),
                    refund_entry_id INTEGER REFERENCES entry(id),
                    received_at INTEGER NOT NULL,
                    PRIMARY KEY (project_id, number),
                    UNIQUE (operator_id, transfer_id, leg_index),
                    FOREIGN KEY (operator_id, transfer_id, leg_index) REFERENCES leg(operator_id, transfer_id, leg_index),
                    CHECK ((state = 'refunded') = (refund_entry_id IS NOT NULL))
                ) STRICT, WITHOUT ROWID;
                CREATE INDEX contribution_by_contributor ON contribution(project_id, contributor);

                CREATE TABLE project_match (
                    project_id TEXT NOT NULL,
                    number INTEGER NOT NULL,
                    sponsor_id TEXT NOT NULL REFERENCES sponsor(id),
                    amount INTEGER NOT NULL CHECK (amount > 0),
                    entry_id INTEGER NOT NULL REFERENCES entry(id),
                    returned_entry_id INTEGER REFERENCES entry(id),
                    PRIMARY KEY (project_id, number, sponsor_id),
                    FOREIGN KEY (project_id, number) REFERENCES contribution(project_id, number)
                ) STRICT, WITHOUT ROWID;
                """)
        }
        migrator.registerMigration("v20: milestone disbursements") { db in
            // A milestone is paid as a transfer of the project's own (docs/projects.md): the
            // attempt's transfer, how many attempts, and the evidence operations approved it on.
            try db.execute(sql: """
                ALTER TABLE project ADD COLUMN disbursed INTEGER NOT NULL DEFAULT 0 CHECK (disbursed >= 0);
                ALTER TABLE milestone ADD COLUMN transfer_id BLOB CHECK (transfer_id IS NULL OR length(transfer_id) = 16);
                ALTER TABLE milestone ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0);
                ALTER TABLE milestone ADD COLUMN evidence TEXT NOT NULL DEFAULT '';
                """)
        }
        migrator.registerMigration("v21: a leg's hold in its leg row") { db in
            try LegHoldMigration.run(db)
        }
        migrator.registerMigration("v22: the payout outbox in the legs") { db in
            // A leg is in the outbox while `queued_at` is set (since when: the dispatcher takes
            // legs oldest first, then by key); the outbox row's other columns move with it, and
            // leaving the outbox resets them, as deleting the row did. One B-tree row fewer per
            // leg, and the one-row-per-leg rule is now the leg table's key. Columns added to a
            // table cost nothing to add, whatever its size; only the legs in the outbox are written.
            let queued = try Int.fetchOne(db, sql: "SELECT count(*) FROM outbox") ?? 0
            try db.execute(sql: """
                ALTER TABLE leg ADD COLUMN queued_at INTEGER;
                ALTER TABLE leg ADD COLUMN due_at INTEGER NOT NULL DEFAULT 0;
                ALTER TABLE leg ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0);
                ALTER TABLE leg ADD COLUMN inquiries INTEGER NOT NULL DEFAULT 0 CHECK (inquiries >= 0);
                ALTER TABLE leg ADD COLUMN review INTEGER NOT NULL DEFAULT 0 CHECK (review = 0 OR review = 1);
                ALTER TABLE leg ADD COLUMN taken INTEGER NOT NULL DEFAULT 0 CHECK (taken = 0 OR taken = 1);
                ALTER TABLE leg ADD COLUMN redirect INTEGER NOT NULL DEFAULT 0 CHECK (redirect = 0 OR redirect = 1);
                ALTER TABLE leg ADD COLUMN redirect_state TEXT CHECK ((redirect = 0) = (redirect_state IS NULL));
                UPDATE leg SET queued_at = o.created_at, due_at = o.due_at, attempts = o.attempts, inquiries = o.inquiries,
                               review = o.review, taken = o.taken, redirect = o.redirect, redirect_state = o.redirect_state
                    FROM outbox o
                    WHERE o.operator_id = leg.operator_id AND o.transfer_id = leg.transfer_id AND o.leg_index = leg.leg_index;
                DROP TABLE outbox;
                CREATE INDEX leg_outbox ON leg(queued_at) WHERE queued_at IS NOT NULL;
                """)
            let moved = try Int.fetchOne(db, sql: "SELECT count(*) FROM leg WHERE queued_at IS NOT NULL") ?? 0
            guard moved == queued else {
                throw LedgerError.storage("the outbox held \(queued) legs and \(moved) moved into them; nothing was changed")
            }
        }
        migrator.registerMigration("v23: screening decisions in the transfer row, chained per slice") { db in
            try ScreeningLinkMigration.run(db)
        }
        migrator.registerMigration("v24: indexes for what operations look for") { db in
            // `remitctl review list` and `in-doubt`, and the metrics scrape's count of payouts in
            // review, read every transfer or leg without them: seconds at 10 million, for a
            // handful of rows. Partial, so a transfer or leg that never needs operations adds no
            // entry; building them reads each table once.
            try db.execute(sql: """
                CREATE INDEX transfer_in_review ON transfer(created_at) WHERE state = 'inReview';
                CREATE INDEX leg_awaiting_operations ON leg(state)
                    WHERE state = 'inDoubt' OR redirect_state = 'inDoubt' OR review = 1;
                """)
        }
        migrator.registerMigration("v25: a slice's new transfers' events in one row") { db in
            // A row holds a run of `events` consecutive events of one operator (EventRuns; 32 is
            // its `longest`): the first's sequence and transfer as before, the others' transfer
            // ids in order. Rows written before hold one event each, as the default says:
            // nothing is rewritten.
            try db.execute(sql: """
                ALTER TABLE event ADD COLUMN events INTEGER NOT NULL DEFAULT 1
                    CHECK (events BETWEEN 1 AND 32
                           AND (events = 1 OR (leg_index IS NULL AND reason = 0 AND partner_reference = '')));
                ALTER TABLE event ADD COLUMN run_transfer_ids BLOB
                    CHECK ((run_transfer_ids IS NULL) = (events = 1)
                           AND (run_transfer_ids IS NULL OR length(run_transfer_ids) = 16 * (events - 1)));
                """)
        }
        migrator.registerMigration("v26: each transfer's first leg in its transfer row") { db in
            try LegRowMigration.run(db)
        }
        migrator.registerMigration("v27: pending leg holds counted per entry and expiry") { db in
            try HoldGroupMigration.run(db)
        }
        migrator.registerMigration("v28: the outbox's first legs listed in runs") { db in
            try OutboxRunMigration.run(db)
        }
        return migrator
    }

    /// A CHECK that `column` holds one of `values`, written as comparisons: an `IN` list of three
    /// values or more makes SQLite build a temporary table per statement (see v18).
    ///
    ///     oneOf("state", ["pending", "posted"])  // (state = 'pending' OR state = 'posted')
    static func oneOf(_ column: String, _ values: [String]) -> String {
        "(" + values.map { "\(column) = '\($0)'" }.joined(separator: " OR ") + ")"
    }
}
