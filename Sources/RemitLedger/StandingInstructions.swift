import Foundation
import GRDB
import RemitDomain

/// A beneficiary's default split, registered by its operator: the legs take their shares of
/// every transfer to that beneficiary that opts in, and the transfer's own leg keeps the rest.
///
/// The beneficiary is the operator's account for it exactly as the operator writes it in its
/// transfers: unlike volume limits, no normalising, because joining two beneficiaries here
/// would send one's money to the other's accounts.
///
/// ```swift
/// let tenPercent = StandingInstructionRecord(
///     operatorId: "ACME", beneficiaryAccount: "ACC-2001", reference: "CONSENT-77",
///     legs: [.init(product: "savingsDeposit", share: 1_000, institution: "MFI1", account: "SAV-88")])
/// await ledger.apply(.setStandingInstruction(tenPercent, limit: 100_000))
/// ```
public struct StandingInstructionRecord: Hashable, Sendable, Codable {
    public struct Leg: Hashable, Sendable, Codable {
        public var product: String
        public var share: UInt16
        public var institution: String
        public var account: String

        public init(product: String, share: UInt16, institution: String, account: String) {
            self.product = product
            self.share = share
            self.institution = institution
            self.account = account
        }
    }

    public var operatorId: String
    public var beneficiaryAccount: String
    public var reference: String
    /// No legs: deleted (the row stays, so that revisions keep counting).
    public var legs: [Leg]
    /// 1 for the first registration, one more for each change; set by the ledger.
    public var revision: Int64
    public var updatedAt: Int64

    public init(operatorId: String, beneficiaryAccount: String, reference: String, legs: [Leg], revision: Int64 = 0,
                updatedAt: Int64 = 0) {
        self.operatorId = operatorId
        self.beneficiaryAccount = beneficiaryAccount
        self.reference = reference
        self.legs = legs
        self.revision = revision
        self.updatedAt = updatedAt
    }
}

enum StandingInstructions {
    /// Stores the instruction as the next revision, unless it says what the current one says.
    /// An operator keeps at most `limit` instructions with legs.
    static func set(_ db: Database, _ instruction: StandingInstructionRecord, limit: Int, _ context: WriteContext) throws {
        try context.requireOperator(db, instruction.operatorId)
        // Sorted keys: the same legs always encode alike, so an unchanged instruction is seen as one.
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let legs = String(decoding: try encoder.encode(instruction.legs), as: UTF8.self)
        let current = try Row.fetchOne(db, sql: """
            SELECT revision, reference, legs FROM standing_instruction WHERE operator_id = ? AND beneficiary_account = ?
            """, arguments: [instruction.operatorId, instruction.beneficiaryAccount])
        if let current, (current["reference"] as String) == instruction.reference, (current["legs"] as String) == legs {
            return
        }
        let wasActive = current.map { ($0["legs"] as String) != "[]" } ?? false
        if !instruction.legs.isEmpty && !wasActive {
            let active = try Int.fetchOne(db, sql: """
                SELECT COUNT(*) FROM standing_instruction WHERE operator_id = ? AND legs != '[]'
                """, arguments: [instruction.operatorId]) ?? 0
            guard active < limit else { throw LedgerError.standingInstructionLimit(limit) }
        }
        try db.execute(sql: """
            INSERT INTO standing_instruction (operator_id, beneficiary_account, reference, legs, revision, updated_at)
            VALUES (?, ?, ?, ?, 1, ?)
            ON CONFLICT (operator_id, beneficiary_account) DO UPDATE SET reference = excluded.reference,
                legs = excluded.legs, revision = revision + 1, updated_at = excluded.updated_at
            """, arguments: [instruction.operatorId, instruction.beneficiaryAccount, instruction.reference, legs,
                             context.time])
    }

    static func record(_ row: Row) throws -> StandingInstructionRecord {
        StandingInstructionRecord(
            operatorId: row["operator_id"], beneficiaryAccount: row["beneficiary_account"], reference: row["reference"],
            legs: try JSONDecoder().decode([StandingInstructionRecord.Leg].self, from: Data((row["legs"] as String).utf8)),
            revision: row["revision"], updatedAt: row["updated_at"])
    }
}

extension Ledger {
    /// The operator's standing instruction for a beneficiary account, deleted ones included
    /// (no legs); nil if it never had one.
    public func standingInstruction(operatorId: String, beneficiaryAccount: String) throws -> StandingInstructionRecord? {
        try pool.read { db in
            try Row.fetchOne(db, sql: """
                SELECT * FROM standing_instruction WHERE operator_id = ? AND beneficiary_account = ?
                """, arguments: [operatorId, beneficiaryAccount]).map(StandingInstructions.record)
        }
    }

    /// Instructions with legs, by operator and account; one operator's if `operatorId` is set.
    public func standingInstructions(operatorId: String? = nil, limit: Int = 10_000) throws -> [StandingInstructionRecord] {
        try pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT * FROM standing_instruction WHERE legs != '[]' AND (?1 IS NULL OR operator_id = ?1)
                ORDER BY operator_id, beneficiary_account LIMIT ?2
                """, arguments: [operatorId, limit]).map(StandingInstructions.record)
        }
    }
}
