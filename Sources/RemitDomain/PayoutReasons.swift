extension ReasonCode {
    /// The protocol's 8xxx codes for what happened to a payout (PROTOCOL.md section 7).
    public static let noPartnerAvailable = ReasonCode(rawValue: 8001)
    public static let partnerRejected = ReasonCode(rawValue: 8002)
    public static let partnerUnreachable = ReasonCode(rawValue: 8003)
    public static let partnerReversed = ReasonCode(rawValue: 8004)
}
