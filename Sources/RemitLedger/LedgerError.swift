import RemitDomain

/// Why the ledger refused a command. A refused command changes nothing; the other commands of
/// its batch are not affected.
public enum LedgerError: Error, Hashable, Sendable {
    /// An entry's postings do not sum to zero in this currency.
    case unbalanced(currency: String, sum: Int64)
    /// The posting would take the account below its floor (in the account's normal terms).
    case belowFloor(account: String, balance: Int64, floor: Int64)
    case unknownAccount(String)
    case accountExists(String)
    case unknownOperator(String)
    case unknownHold(String)
    case holdNotPending(String, state: String)
    case holdExists(String)
    /// Hold ids starting `transfer/` are the transfers' own.
    case reservedHoldId(String)
    /// Posting more than the hold has left.
    case exceedsHold(String, remaining: Int64, requested: Int64)
    case invalidAmount(Int64)
    case money(MoneyError)
    /// A posting to an account in another currency than the amount's.
    case currencyMismatch(account: String, currency: String)
    /// A submission's content hash is not 32 bytes (SHA-256).
    case invalidContentHash(Int)
    /// A transfer id used before with different content (the original is untouched).
    case idReused(String)
    case unknownTransfer(String)
    case unknownLeg(String, Int)
    /// A state change that is not forward along the state graph.
    case illegalTransition(String, from: String, to: String)
    /// The database could not commit (disk full, read-only, I/O): nothing was recorded.
    case storage(String)
    /// A manual resolution needs evidence: 1 to 500 bytes.
    case invalidEvidence
    /// A transfer paid out in another currency must name the rate it was priced at (and may name
    /// the reference rate it was taken from), so that its payout can be accounted for.
    case invalidRate(applied: Int64, reference: Int64)
    /// The operator has as many standing instructions as it may keep.
    case standingInstructionLimit(Int)
    /// A transfer's screening decisions name a party that is not "sender" or "beneficiary", or
    /// one party twice.
    case invalidScreening(String)
    /// A project, association or sponsor field out of its limits (named), or an id that is not
    /// 1 to 34 of `A-Z a-z 0-9 - _ .`.
    case invalidProject(String)
    case unknownProject(String)
    case unknownAssociation(String)
    case unknownSponsor(String)
    /// An association, project or sponsor id registered before with other details.
    case projectExists(String)
    /// The project is not in a state that allows this (a contribution to a refunded project, a
    /// disbursement before it is funded).
    case projectState(String, state: String)
}
