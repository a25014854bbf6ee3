/// Where a leg's row is (schema v26): leg 0 of every transfer in its transfer's row, as the
/// `leg_`-prefixed columns (`leg_state`, `leg_hold_remaining`, `leg_queued_at`, ...), legs 1 and
/// up in the `leg` table. Most transfers have one leg, and a leg row of its own with its index
/// entries was a quarter of the accept's B-tree work (`docs/lean-accept-step3.md`).
///
/// A leg's place follows from its index alone, so a statement on one leg is written once and
/// filled in for its place; its arguments stay `(operator, transfer, leg)` in both:
///
///     let place = LegPlace.of(leg)
///     try db.cachedStatement(sql: "UPDATE \(place.table) SET \(place["partner"]) = ? WHERE \(place.key)")
///         .execute(arguments: [partner, operatorId, transferId, leg])
///
/// A rejected transfer has no legs: its `leg_state` is NULL, and `key` does not find leg 0 there.
struct LegPlace: Sendable {
    /// The table the leg's row is in.
    let table: String
    private let prefix: String

    static let legTable = LegPlace(table: "leg", prefix: "")
    static let transferRow = LegPlace(table: "transfer", prefix: "leg_")

    static func of(_ leg: Int) -> LegPlace { leg == 0 ? .transferRow : .legTable }

    /// The condition that picks one leg's row, bound as operator, transfer, leg.
    var key: String { key(alias: nil) }

    /// `key` with its columns after `alias.`, for statements that join the leg's transfer. In the
    /// transfer row, `0 = ?` keeps the leg's argument in its place, so both forms bind the same values.
    func key(alias: String?) -> String {
        let qualifier = alias.map { $0 + "." } ?? ""
        let transfer = "\(qualifier)operator_id = ? AND \(qualifier)transfer_id = ?"
        return prefix.isEmpty ? "\(transfer) AND \(qualifier)leg_index = ?"
            : "\(transfer) AND 0 = ? AND \(qualifier)leg_state IS NOT NULL"
    }

    /// For statements that read a leg with its transfer: the leg's row joined to its transfer's
    /// row, named `t`, and the alias its leg columns are read under (`t` itself in the transfer
    /// row, `l` in the leg table). In the transfer row only transfers with legs are read, so no
    /// condition on a leg column can match a refused transfer's empty ones (SQLite flattens the
    /// subquery: the partial indexes still serve, `QueryPlanTests`).
    var withTransfer: (from: String, alias: String) {
        prefix.isEmpty ? ("leg l JOIN transfer t ON t.operator_id = l.operator_id AND t.transfer_id = l.transfer_id", "l")
            : ("(SELECT * FROM transfer WHERE leg_state IS NOT NULL) t", "t")
    }

    /// A leg column's name in this place after `alias.` (for `leg_index`, what stands for it).
    func column(_ column: String, alias: String) -> String {
        column == "leg_index" && !prefix.isEmpty ? "0" : "\(alias).\(self[column])"
    }

    /// One statement over legs with their transfers, written once and made for each place, the
    /// two joined as a compound (`UNION ALL`): `arm` gets the `FROM` clause (the transfer as
    /// `t`) and the namer of the place's leg columns. Arguments repeat in both arms, so the
    /// statement names them by number.
    ///
    ///     LegPlace.eachPlace { from, leg in "SELECT \(leg("payout_amount")) AS amount FROM \(from) WHERE \(leg("partner")) = ?1" }
    static func eachPlace(_ arm: (_ from: String, _ leg: (String) -> String) -> String) -> String {
        both.map { $0.withTransfer(arm) }.joined(separator: "\nUNION ALL\n")
    }

    /// `eachPlace`'s arm for this place alone: for a statement on one leg with its transfer.
    func withTransfer(_ arm: (_ from: String, _ leg: (String) -> String) -> String) -> String {
        let (from, alias) = withTransfer
        return arm(from) { column($0, alias: alias) }
    }

    /// A leg column's name in this place, from its name in the `leg` table.
    subscript(_ column: String) -> String { prefix + column }

    /// Columns read under their `leg` table names (`leg_state AS state` in the transfer row),
    /// each after `alias.` when one is given.
    func select(_ columns: [String], alias: String? = nil) -> String {
        let qualifier = alias.map { $0 + "." } ?? ""
        return columns.map { column in
            if column == "leg_index" { return "\(prefix.isEmpty ? qualifier + "leg_index" : "0") AS leg_index" }
            if LegPlace.keyColumns.contains(column) { return qualifier + column }
            return prefix.isEmpty ? qualifier + column : "\(qualifier)\(prefix)\(column) AS \(column)"
        }.joined(separator: ", ")
    }

    /// Every leg of one transfer, in both places, as a compound to read from: the columns under
    /// their `leg` names, the operator and transfer bound as `?1` and `?2` (a statement's own
    /// arguments go on from `?3`).
    ///
    ///     SELECT leg_index, state FROM \(LegPlace.legsOfTransfer(["leg_index", "state"])) ORDER BY leg_index
    static func legsOfTransfer(_ columns: [String]) -> String {
        """
        (SELECT \(transferRow.select(columns)) FROM transfer \
        WHERE operator_id = ?1 AND transfer_id = ?2 AND leg_state IS NOT NULL \
        UNION ALL SELECT \(legTable.select(columns)) FROM leg WHERE operator_id = ?1 AND transfer_id = ?2)
        """
    }

    /// Every leg, in both places, as a compound to read from, for a scan that reads them all (the
    /// v26 migration's count of what it moved). Conditions on it reach both arms (SQLite pushes
    /// them down).
    static func allLegs(_ columns: [String]) -> String {
        """
        (SELECT \(transferRow.select(columns)) FROM transfer WHERE leg_state IS NOT NULL \
        UNION ALL SELECT \(legTable.select(columns)) FROM leg)
        """
    }

    /// A leg's columns but its key, by their names in the `leg` table.
    static let columns = ["product", "institution", "account", "share", "payout_amount", "state", "reason",
                          "partner_reference", "partner", "hold_amount", "hold_remaining", "hold_state", "hold_expires_at",
                          "hold_entry_id", "hold_closed_entry_id", "queued_at", "due_at", "attempts", "inquiries", "review",
                          "taken", "redirect", "redirect_state"]

    /// The transfer's key, named alike in both places.
    private static let keyColumns: Set = ["operator_id", "transfer_id"]

    /// Both places, for statements that change every leg of one transfer the same way.
    static let both = [transferRow, legTable]
}
