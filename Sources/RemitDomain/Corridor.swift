/// A route money may take: from a country and currency to a country and currency, with the
/// payout products offered there, the amounts allowed, the rate and the fee.
///
/// ```swift
/// let corridor = Corridor(sendCountry: "US", sendCurrency: usd, payoutCountry: "KE", payoutCurrency: kes,
///                         products: ["mobileWallet"], minimum: 100, maximum: 500_000,
///                         rate: try Rate("129.45"), fee: FeeSchedule(fixed: 199, basisPoints: 50))
/// ```
public struct Corridor: Hashable, Sendable {
    public var sendCountry: String
    public var sendCurrency: Currency
    public var payoutCountry: String
    public var payoutCurrency: Currency
    /// Product names as the protocol spells them in camel case: `mobileWallet`, `savingsDeposit`.
    public var products: Set<String>
    /// Send amount limits in minor units of the send currency.
    public var minimum: Int64
    public var maximum: Int64
    public var rate: Rate
    public var fee: FeeSchedule

    public init(sendCountry: String, sendCurrency: Currency, payoutCountry: String, payoutCurrency: Currency,
                products: Set<String>, minimum: Int64, maximum: Int64, rate: Rate, fee: FeeSchedule) {
        self.sendCountry = sendCountry
        self.sendCurrency = sendCurrency
        self.payoutCountry = payoutCountry
        self.payoutCurrency = payoutCurrency
        self.products = products
        self.minimum = minimum
        self.maximum = maximum
        self.rate = rate
        self.fee = fee
    }

    public struct Key: Hashable, Sendable {
        public var sendCountry: String
        public var sendCurrency: String
        public var payoutCountry: String
        public var payoutCurrency: String

        public init(sendCountry: String, sendCurrency: String, payoutCountry: String, payoutCurrency: String) {
            self.sendCountry = sendCountry
            self.sendCurrency = sendCurrency
            self.payoutCountry = payoutCountry
            self.payoutCurrency = payoutCurrency
        }
    }

    public var key: Key {
        Key(sendCountry: sendCountry, sendCurrency: sendCurrency.code, payoutCountry: payoutCountry,
            payoutCurrency: payoutCurrency.code)
    }

    /// The priced terms for an amount, in send mode (the amount is what is converted; the fee
    /// comes on top) or receive mode (the amount is what is paid out).
    public func price(amount: Int64, receiveMode: Bool) -> PricedAmount? {
        let send: Int64
        let payout: Int64
        if receiveMode {
            guard let s = Conversion.send(forPayout: amount, rate: rate, from: sendCurrency, to: payoutCurrency) else {
                return nil
            }
            send = s
            payout = amount
        } else {
            guard let p = Conversion.payout(send: amount, rate: rate, from: sendCurrency, to: payoutCurrency) else {
                return nil
            }
            send = amount
            payout = p
        }
        guard let fee = fee.fee(on: send), send.addingReportingOverflow(fee).overflow == false else { return nil }
        return PricedAmount(send: Money(send, sendCurrency), fee: Money(fee, sendCurrency),
                            payout: Money(payout, payoutCurrency), rate: rate)
    }
}

public struct PricedAmount: Hashable, Sendable {
    public var send: Money
    public var fee: Money
    public var payout: Money
    public var rate: Rate
}
