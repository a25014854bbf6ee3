import Foundation
import GRDB
import RemitDomain

/// One sanctions-screening decision on a party of a transfer, kept with the transfer: which list
/// (and which version of it), the best score, the entry it was for, and what was decided.
public struct ScreeningRecord: Hashable, Sendable {
    /// "sender" or "beneficiary".
    public var party: String
    /// "clear", "review" or "match".
    public var decision: String
    /// The score in basis points (0 to 10,000).
    public var scoreBps: Int
    public var entryId: String?
    public var matchedName: String?
    public var source: String?

    public init(party: String, decision: String, scoreBps: Int, entryId: String?, matchedName: String?, source: String?) {
        self.party = party
        self.decision = decision
        self.scoreBps = scoreBps
        self.entryId = entryId
        self.matchedName = matchedName
        self.source = source
    }
}

enum Screenings {
    /// The parties, in the order a transfer row holds them.
    static let parties = ["sender", "beneficiary"]

    /// A transfer screened in the current slice of commands: what its link of the chain covers.
    struct Member {
        let operatorId: String
        let transferId: TransferID
        /// Both parties' decisions as a link hashes them (`Parties.hashed`).
        let decisions: [UInt8]

        /// The transfer table's key order (SQLite compares text and blobs bytewise), in which a
        /// link hashes its transfers and `verify` reads them back.
        static func keyOrder(_ a: Member, _ b: Member) -> Bool {
            if a.operatorId != b.operatorId { return a.operatorId.utf8.lexicographicallyPrecedes(b.operatorId.utf8) }
            return (a.transferId.high, a.transferId.low) < (b.transferId.high, b.transferId.low)
        }
    }

    /// A transfer's decisions by party, and their part of a screening link's hash, worked out
    /// once when the submission's screenings are set (on a session's thread) rather than in the
    /// ledger's writer, where sorting them by party and laying out their fields for the hash
    /// were 6 % of its time.
    ///
    /// A class: a submission is copied several times on its way through the writer, and these
    /// are a dozen references that each copy would retain and release.
    final class Parties: Hashable, Sendable {
        let sender: ScreeningRecord?
        let beneficiary: ScreeningRecord?
        /// A party named twice or not one of `parties`: the writer refuses the transfer with it.
        let invalid: String?
        /// The sender's then the beneficiary's decision laid out as `partyHash` hashes them.
        let hashed: [UInt8]

        /// No screening: nothing to hash, and nothing allocated.
        static let none = Parties(sender: nil, beneficiary: nil, invalid: nil, hashed: [])

        init(sender: ScreeningRecord?, beneficiary: ScreeningRecord?, invalid: String? = nil, hashed: [UInt8]) {
            (self.sender, self.beneficiary, self.invalid, self.hashed) = (sender, beneficiary, invalid, hashed)
        }

        /// The decisions by party, sender first: at most one each, for a named party.
        convenience init(_ screenings: [ScreeningRecord]) {
            var sender: ScreeningRecord?, beneficiary: ScreeningRecord?, invalid: String?
            for screening in screenings where invalid == nil {
                switch screening.party {
                case "sender" where sender == nil: sender = screening
                case "beneficiary" where beneficiary == nil: beneficiary = screening
                default: invalid = screening.party
                }
            }
            self.init(sender: sender, beneficiary: beneficiary, invalid: invalid)
        }

        /// Both parties' decisions and their hashed layout.
        convenience init(sender: ScreeningRecord?, beneficiary: ScreeningRecord?, invalid: String? = nil) {
            var fields = ChainFields()
            Screenings.partyHash(&fields, sender)
            Screenings.partyHash(&fields, beneficiary)
            self.init(sender: sender, beneficiary: beneficiary, invalid: invalid, hashed: fields.bytes)
        }

        static func == (a: Parties, b: Parties) -> Bool {
            a === b || (a.sender, a.beneficiary, a.invalid) == (b.sender, b.beneficiary, b.invalid)
        }

        func hash(into hasher: inout Hasher) {
            hasher.combine(sender)
            hasher.combine(beneficiary)
            hasher.combine(invalid)
        }
    }

    /// Records a new transfer's decisions: they are columns of its row (since v23), and the
    /// transfer joins the link of the screening chain that the end of the slice writes
    /// (`writeLink`). Returns that link's id, for the row's columns with the decisions by party
    /// (`bind`), or nil when no party was screened. A row of its own per transfer, hashed on its
    /// own, was a quarter of the accept path's time; one link per slice of 32 commands keeps
    /// every decision in the chain.
    ///
    ///     let screened = try Screenings.join(db, submission, context)   // before the transfer row
    ///     try context.hot.run(db, .insertTransfer) { ...; Screenings.bind(&$0, link: screened, submission.parties) }
    static func join(_ db: Database, _ submission: TransferSubmission, _ context: WriteContext) throws -> Int64? {
        guard !submission.screenings.isEmpty else { return nil }
        let parties = submission.parties
        if let invalid = parties.invalid { throw LedgerError.invalidScreening(invalid) }
        if context.screened.isEmpty { context.screeningLink = try context.chainTail(.screening, db).id + 1 }
        context.screened.append(Member(operatorId: submission.operatorId, transferId: submission.transferId,
                                       decisions: parties.hashed))
        return context.screeningLink
    }

    /// Binds a transfer row's screening columns: its link, then each party's five.
    static func bind(_ binder: inout Binder, link: Int64?, _ parties: Parties) {
        if let link { binder.int(link) } else { binder.null() }
        // A function per party, not a loop over an array of both: no array per transfer.
        func party(_ screening: ScreeningRecord?) {
            guard let screening else {
                for _ in 0..<5 { binder.null() }
                return
            }
            binder.text(screening.decision)
            binder.int(Int64(screening.scoreBps))
            binder.optionalText(screening.entryId)
            binder.optionalText(screening.matchedName)
            binder.optionalText(screening.source)
        }
        party(parties.sender)
        party(parties.beneficiary)
    }

    /// Writes the slice's link of the screening chain: its transfers in key order, their
    /// decisions, hashed after the link before. Called with the writer's other deferred rows.
    static func writeLink(_ db: Database, _ context: WriteContext) throws {
        guard !context.screened.isEmpty else { return }
        // Usually in order already (a batch's ids are an operator's, and rising). Sorting the
        // members themselves moved them even then, a sixth of the writer's time in a profile.
        let members = context.screened
        if zip(members, members.dropFirst()).contains(where: { !Member.keyOrder($0, $1) }) {
            context.screened = members.indices.sorted { Member.keyOrder(members[$0], members[$1]) }.map { members[$0] }
        }
        let tail = try context.chainTail(.screening, db)
        let id = context.screeningLink
        precondition(id == tail.id + 1, "the screening link reserved is the chain's next")
        let hash = linkHash(previous: tail.hash, id: id, at: context.time, members: context.screened)
        try context.hot.run(db, .insertScreening) {
            $0.int(id)
            $0.int(context.time)
            $0.int(Int64(context.screened.count))
            $0.blob(hash)
        }
        context.advance(.screening, to: id, hash: hash)
        context.screened.removeAll(keepingCapacity: true)
    }

    /// A link's hash: the previous link's, then its id, time and number of transfers, and for
    /// each transfer in key order its operator and id and each party's decision (`partyHash`).
    static func linkHash(previous: Data, id: Int64, at: Int64, members: [Member]) -> Data {
        var hasher = ChainHasher(previous: previous)
        hasher.integer(id)
        hasher.integer(at)
        hasher.integer(Int64(members.count))
        for member in members {
            hasher.text(member.operatorId)
            hasher.integer(Int64(bitPattern: member.transferId.high))
            hasher.integer(Int64(bitPattern: member.transferId.low))
            hasher.fields(member.decisions)
        }
        return hasher.finalize()
    }

    /// One party's part of a hash: a mark (1 decided, 0 not), then the decision, score, entry,
    /// matched name and list version.
    static func partyHash(_ hasher: inout some ChainFieldSink, _ screening: ScreeningRecord?) {
        guard let screening else { return hasher.integer(0) }
        hasher.integer(1)
        hasher.text(screening.decision)
        hasher.integer(Int64(screening.scoreBps))
        hasher.text(screening.entryId)
        hasher.text(screening.matchedName)
        hasher.text(screening.source)
    }

    /// The row's decisions, sender first.
    static func decisions(_ row: Row) -> [ScreeningRecord] {
        parties.compactMap { party in
            guard let decision: String = row["\(party)_decision"] else { return nil }
            return ScreeningRecord(party: party, decision: decision, scoreBps: row["\(party)_score_bps"],
                                   entryId: row["\(party)_entry_id"], matchedName: row["\(party)_matched_name"],
                                   source: row["\(party)_source"])
        }
    }

    /// Each party's five columns, in the order a row holds them.
    static let decisionColumns = parties
        .map { "\($0)_decision, \($0)_score_bps, \($0)_entry_id, \($0)_matched_name, \($0)_source" }
        .joined(separator: ", ")

    /// Approves or rejects a transfer held for review. Approval makes it accepted and queues its
    /// legs for payout; rejection releases its hold and rejects it with `reason`.
    static func decide(_ db: Database, operatorId: String, transferId: TransferID, approve: Bool, reason: ReasonCode,
                       note: String, _ context: WriteContext) throws -> [Int64] {
        let id = Data(transferId.bytes)
        guard let row = try Row.fetchOne(db.cachedStatement(sql: """
            SELECT state, hold_id FROM transfer WHERE operator_id = ? AND transfer_id = ?
            """), arguments: [operatorId, id])
        else { throw LedgerError.unknownTransfer(transferId.description) }
        let state: String = row["state"]
        guard state == TransferState.inReview.rawValue else {
            throw LedgerError.illegalTransition(transferId.description, from: state, to: approve ? "accepted" : "rejected")
        }
        guard !note.isEmpty, note.utf8.count <= 500 else { throw LedgerError.invalidEvidence }
        try db.cachedStatement(sql: """
            INSERT INTO review_decision (operator_id, transfer_id, decision, note, decided_at) VALUES (?, ?, ?, ?, ?)
            """).execute(arguments: [operatorId, id, approve ? "approved" : "rejected", note, context.time])
        if approve {
            try Transfers.move(db, operatorId: operatorId, transferId: transferId, to: .accepted, reason: .none, context)
            // Into the outbox: the first leg in an outbox run of its own moment (v28), the others
            // in the leg table's.
            let run = try OutboxRuns.join(db, context, operatorId: operatorId, transferId: transferId.bytes, queuedAt: context.time)
            try db.cachedStatement(sql: """
                UPDATE transfer SET leg_queued_at = ?, leg_outbox_run = ? WHERE operator_id = ? AND transfer_id = ?
                AND leg_state IS NOT NULL
                """).execute(arguments: [context.time, run, operatorId, id])
            guard db.changesCount == 1 else { throw LedgerError.unknownLeg(transferId.description, 0) }
            try db.cachedStatement(sql: """
                UPDATE leg SET queued_at = ? WHERE operator_id = ? AND transfer_id = ?
                """).execute(arguments: [context.time, operatorId, id])
            return []
        }
        let entries = try Transfers.voidHolds(db, operatorId: operatorId, transferId: transferId, context)
        // A rejected transfer holds no hold (the table's rule); the hold keeps its own record.
        try db.cachedStatement(sql: """
            UPDATE transfer SET state = 'rejected', reason = ?, hold_id = NULL, updated_at = ?
            WHERE operator_id = ? AND transfer_id = ?
            """).execute(arguments: [Int(reason.rawValue), context.time, operatorId, id])
        try Transfers.appendEvent(db, context, operatorId: operatorId, transferId: transferId, leg: nil,
                                  state: TransferState.rejected.rawValue, reason: reason, partnerReference: "")
        for leg in try Int.fetchAll(db.cachedStatement(sql: """
            SELECT leg_index FROM \(LegPlace.legsOfTransfer(["leg_index"])) ORDER BY leg_index
            """), arguments: [operatorId, id]) {
            try Transfers.moveLeg(db, operatorId: operatorId, transferId: transferId, leg: leg, to: .cancelled, reason: reason,
                                  partnerReference: "", context)
        }
        return entries
    }
}

extension Ledger {
    /// Transfers in review, oldest first: read through the partial index `transfer_in_review`
    /// (v24), so its cost follows the transfers in review, not the ledger's size.
    static let transfersInReviewSQL = """
        SELECT operator_id, transfer_id FROM transfer WHERE state = 'inReview' ORDER BY created_at LIMIT ?
        """

    /// Transfers held for compliance review, oldest first, with the decisions that held them.
    public func transfersInReview(limit: Int) throws -> [(transfer: TransferView, screenings: [ScreeningRecord])] {
        let views = try pool.read { db in
            try Row.fetchAll(db, sql: Self.transfersInReviewSQL, arguments: [limit]).map { (operator: $0["operator_id"] as String, id: [UInt8]($0["transfer_id"] as Data)) }
        }
        return try views.compactMap { item in
            guard let id = TransferID(bytes: item.id), let view = try transfer(operatorId: item.operator, id: id) else { return nil }
            return (view, try screenings(operatorId: item.operator, id: id))
        }
    }

    /// The decisions taken on a transfer's parties, sender first (none when it was not screened).
    public func screenings(operatorId: String, id: TransferID) throws -> [ScreeningRecord] {
        try pool.read { db in
            try Row.fetchOne(db, sql: """
                SELECT \(Screenings.decisionColumns) FROM transfer WHERE operator_id = ? AND transfer_id = ?
                """, arguments: [operatorId, Data(id.bytes)]).map(Screenings.decisions) ?? []
        }
    }
}

extension Screenings.Member {
    /// A stored row's transfer (`operator_id`, `transfer_id`) and decisions (each party's
    /// columns): a transfer row since v23, a row of the screening table before.
    init(_ row: Row) {
        let decided = Screenings.decisions(row)
        self.init(operatorId: row["operator_id"],
                  transferId: TransferID(bytes: [UInt8](row["transfer_id"] as Data)) ?? TransferID(high: 0, low: 0),
                  decisions: Screenings.Parties(sender: decided.first { $0.party == "sender" },
                                                beneficiary: decided.first { $0.party == "beneficiary" }).hashed)
    }
}
