/// Where a corridor's exchange rate comes from.
public enum FXSource: Hashable, Sendable {
    /// A rate set in configuration, which is also its own reference (no margin).
    case fixed(Rate)
    /// The reference mid rate for the pair, less `marginBps`, refused when older than `maxAgeMs`.
    case reference(marginBps: Int64, maxAgeMs: Int64)
}

/// A route money may take: from a country and currency to a country and currency, with the
/// payout products offered there, the amounts allowed, the exchange rate's source and the fee.
///
/// ```swift
/// let corridor = Corridor(sendCountry: "US", sendCurrency: usd, payoutCountry: "KE", payoutCurrency: kes,
///                         products: ["mobileWallet"], minimum: 100, maximum: 500_000,
///                         fx: .reference(marginBps: 150, maxAgeMs: 3_600_000),
///                         fee: FeeSchedule(fixed: 199, basisPoints: 50))
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
    public var fx: FXSource
    public var fee: FeeSchedule
    /// FATF Recommendation 16: at or above this send amount (minor units), the sender's full data
    /// is required (name, account, and an address, a national id, or date and place of birth).
    public var originatorThreshold: Int64

    public init(sendCountry: String, sendCurrency: Currency, payoutCountry: String, payoutCurrency: Currency,
                products: Set<String>, minimum: Int64, maximum: Int64, fx: FXSource, fee: FeeSchedule,
                originatorThreshold: Int64 = .max) {
        self.originatorThreshold = originatorThreshold
        self.sendCountry = sendCountry
        self.sendCurrency = sendCurrency
        self.payoutCountry = payoutCountry
        self.payoutCurrency = payoutCurrency
        self.products = products
        self.minimum = minimum
        self.maximum = maximum
        self.fx = fx
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

    /// Why no rate can be applied now.
    public enum RateUnavailable: Error, Hashable, Sendable {
        case none
        case stale(asOf: Int64)
    }

    /// The rate to apply at `now` and the reference it came from: the fixed rate, or the
    /// reference mid less the margin if it is fresh enough. Same-currency corridors convert at 1.
    public func rates(at now: Int64, reference: (Currency, Currency) -> ReferenceRate?) throws(RateUnavailable)
        -> (applied: Rate, reference: Rate)
    {
        if sendCurrency == payoutCurrency { return (Rate(nanos: Rate.scale), Rate(nanos: Rate.scale)) }
        switch fx {
        case .fixed(let rate):
            return (rate, rate)
        case .reference(let marginBps, let maxAgeMs):
            guard let mid = reference(sendCurrency, payoutCurrency) else { throw .none }
            guard now - mid.asOf <= maxAgeMs else { throw .stale(asOf: mid.asOf) }
            guard let applied = mid.mid.lessMargin(basisPoints: marginBps) else { throw .none }
            return (applied, mid.mid)
        }
    }

    /// The priced terms for an amount at `rate`, in send mode (the amount is what is converted;
    /// the fee comes on top) or receive mode (the amount is what is paid out).
    public func price(amount: Int64, receiveMode: Bool, rate: Rate) -> PricedAmount? {
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
