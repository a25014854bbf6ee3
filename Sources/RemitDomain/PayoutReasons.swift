extension ReasonCode {
    /// The protocol's 8xxx codes for what happened to a payout (PROTOCOL.md section 7).
    public static let noPartnerAvailable = ReasonCode(rawValue: 8001)
    public static let partnerRejected = ReasonCode(rawValue: 8002)
    public static let partnerUnreachable = ReasonCode(rawValue: 8003)
    public static let partnerReversed = ReasonCode(rawValue: 8004)
}

extension ReasonCode {
    /// Collective remittances (docs/projects.md; PROTOCOL.md version 3): a contribution leg
    /// names no project the gateway knows.
    public static let unknownProject = ReasonCode(rawValue: 2018)
    /// The project takes no more contributions: funded, past its deadline, refunded, or in
    /// another currency than the contribution's payout.
    public static let projectClosed = ReasonCode(rawValue: 4007)
    /// The project missed its deadline and its contributions were returned to their senders.
    public static let projectRefunded = ReasonCode(rawValue: 8005)
}
