import Foundation
import GRDB
import RemitDomain

extension Screenings {
    /// Problems in the screening chain, for `verify`: each link must follow from the link before
    /// and from the decisions of the transfers that name it, read back in key order, and must
    /// count them; a transfer naming no link is a problem too. `lines` is the number of
    /// transfers whose decisions were checked.
    ///
    ///     let (lines, problems) = try Screenings.check(db)
    static func check(_ db: Database) throws -> (lines: Int, problems: [String]) {
        var problems: [String] = []
        var previous = Chain.screening.genesisHash
        var expected: Int64 = 1
        var lines = 0
        // Both cursors walk in link order, so a link's transfers are the members' run that names it.
        let members = try Row.fetchCursor(db, sql: """
            SELECT screening_id, operator_id, transfer_id, \(decisionColumns) FROM transfer
            WHERE screening_id IS NOT NULL ORDER BY screening_id, operator_id, transfer_id
            """).map { row -> (link: Int64, member: Member) in (row["screening_id"], Member(row)) }
        func unlinked(_ named: (link: Int64, member: Member)) -> String {
            "transfer \(named.member.operatorId)/\(named.member.transferId): names screening \(named.link), "
                + "which is not a link of the chain"
        }
        var next = try members.next()
        let links = try Row.fetchCursor(db, sql: "SELECT id, screened_at, transfers, hash FROM screening ORDER BY id")
        var group: [Member] = []
        while let link = try links.next() {
            let id: Int64 = link["id"], stored: Data = link["hash"], counted: Int64 = link["transfers"]
            if id != expected { problems.append("screening \(expected): missing (next is \(id))") }
            expected = id + 1
            group.removeAll(keepingCapacity: true)
            while let named = next, named.link <= id {
                if named.link == id { group.append(named.member) } else { problems.append(unlinked(named)) }
                next = try members.next()
            }
            lines += group.count
            if Int64(group.count) != counted {
                problems.append("screening \(id): records \(counted) transfers, \(group.count) name it")
            }
            if linkHash(previous: previous, id: id, at: link["screened_at"], members: group) != stored {
                problems.append("screening \(id): hash does not follow from its transfers' decisions and the link before")
            }
            previous = stored
        }
        while let named = next {
            problems.append(unlinked(named))
            next = try members.next()
        }
        return (lines, problems)
    }
}
