/// Limits on how much a sender, a beneficiary and an operator may move. The ledger checks and
/// counts them in the writer's transaction, so that two transfers arriving together cannot both slip under a
/// limit that only one of them fits. Amounts are in the transfer's send currency (an operator's
/// prefund currency), counted on acceptance; days are UTC days, and "30 days" is today and the
/// 29 days before it.
public struct VolumeLimits: Hashable, Sendable {
    public struct Window: Hashable, Sendable {
        /// Transfers, and minor units; nil for no limit.
        public var count: Int64?
        public var amount: Int64?

        public init(count: Int64? = nil, amount: Int64? = nil) {
            self.count = count
            self.amount = amount
        }

        public var isEmpty: Bool { count == nil && amount == nil }
    }

    public var senderDaily = Window()
    public var senderMonthly = Window()
    public var beneficiaryDaily = Window()
    public var beneficiaryMonthly = Window()
    /// The operator's total accepted per UTC day (amount only).
    public var operatorDaily: Int64?

    public init(senderDaily: Window = Window(), senderMonthly: Window = Window(), beneficiaryDaily: Window = Window(),
                beneficiaryMonthly: Window = Window(), operatorDaily: Int64? = nil) {
        self.senderDaily = senderDaily
        self.senderMonthly = senderMonthly
        self.beneficiaryDaily = beneficiaryDaily
        self.beneficiaryMonthly = beneficiaryMonthly
        self.operatorDaily = operatorDaily
    }

    public var isEmpty: Bool {
        senderDaily.isEmpty && senderMonthly.isEmpty && beneficiaryDaily.isEmpty && beneficiaryMonthly.isEmpty
            && operatorDaily == nil
    }
}
