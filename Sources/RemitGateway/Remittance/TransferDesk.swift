import Crypto
import RemitDomain
import RemitLedger
import RemitProtocol

/// Between a transfer's arrival and the ledger: checks every field, finds the corridor, prices
/// the transfer and splits its payout across legs, then hands the ledger a decision to record.
/// Everything here is pure; the ledger's write is the only effect, and the caller makes it.
///
/// ```swift
/// let desk = TransferDesk(corridors: configuration.corridors, holdExpiryMs: 30 * 86_400_000)
/// let submission = desk.submission(operatorId: "ACME", transfer, now: clock())
/// ```
public struct TransferDesk: Sendable {
    let corridors: [Corridor.Key: Corridor]
    let holdExpiryMs: Int64
    let partners: [PartnerReach]
    let isEnabled: @Sendable (String) -> Bool

    /// Where an enabled partner pays out: a leg nobody can pay is refused at submission
    /// (`8001 NO_PARTNER_AVAILABLE`) rather than accepted and failed later.
    public struct PartnerReach: Sendable {
        public var id: String
        public var countries: Set<String>
        public var currencies: Set<String>
        public var products: Set<String>

        public init(id: String, countries: Set<String>, currencies: Set<String>, products: Set<String>) {
            self.id = id
            self.countries = countries
            self.currencies = currencies
            self.products = products
        }
    }

    /// `isEnabled` says whether operations have a partner switched on right now.
    public init(corridors: [Corridor], holdExpiryMs: Int64, partners: [PartnerReach],
                isEnabled: @escaping @Sendable (String) -> Bool = { _ in true }) {
        self.corridors = Dictionary(uniqueKeysWithValues: corridors.map { ($0.key, $0) })
        self.holdExpiryMs = holdExpiryMs
        self.partners = partners
        self.isEnabled = isEnabled
    }

    /// A refusal found before the ledger: the code, the field and the leg at fault.
    public struct Refusal: Error, Hashable, Sendable {
        public var code: ErrorCode
        public var field: FieldID
        public var leg: Int?

        init(_ code: ErrorCode, _ field: FieldID, leg: Int? = nil) {
            self.code = code
            self.field = field
            self.leg = leg
        }
    }

    /// The ledger command for one transfer: accepted with its terms, or rejected with the first
    /// reason found (a rejection is recorded too: a failed id stays failed).
    /// `prefundCurrency` is the operator's: it can send only what its prefund holds.
    public func submission(operatorId: String, prefundCurrency: Currency, _ transfer: Transfer, now: Int64)
        throws(ProtocolError) -> TransferSubmission
    {
        let hash = Array(SHA256.hash(data: try transfer.canonicalBytes()))
        let details = TransferSubmission.Details(
            operatorReference: transfer.operatorReference, sendCurrency: transfer.sendCurrency.description,
            payoutCurrency: transfer.payoutCurrency.description, sendCountry: transfer.sendCountry.description,
            payoutCountry: transfer.payoutCountry.description,
            quoteId: transfer.quoteId.map { TransferID(high: $0.high, low: $0.low) })
        let id = TransferID(high: transfer.transferId.high, low: transfer.transferId.low)
        do {
            let (terms, rate) = try decide(transfer, prefundCurrency: prefundCurrency, now: now)
            var accepted = details
            accepted.rate = rate.nanos
            return TransferSubmission(operatorId: operatorId, transferId: id, contentHash: hash, decision: .accept(terms),
                                      details: accepted)
        } catch {
            return TransferSubmission(operatorId: operatorId, transferId: id, contentHash: hash,
                                      decision: .reject(ReasonCode(rawValue: error.code.rawValue),
                                                        field: error.field.rawValue),
                                      details: details)
        }
    }

    func decide(_ t: Transfer, prefundCurrency: Currency, now: Int64) throws(Refusal) -> (TransferSubmission.Terms, Rate) {
        if t.transferId.isZero { throw Refusal(.invalidTransferId, .transferId) }
        guard let sendCurrency = try? Currency(t.sendCurrency.description) else {
            throw Refusal(.unknownCurrency, .sendCurrency)
        }
        guard let payoutCurrency = try? Currency(t.payoutCurrency.description) else {
            throw Refusal(.unknownCurrency, .payoutCurrency)
        }
        guard sendCurrency == prefundCurrency else { throw Refusal(.notPermitted, .sendCurrency) }
        guard Countries.isKnown(t.sendCountry.description) else { throw Refusal(.unknownCountry, .sendCountry) }
        guard Countries.isKnown(t.payoutCountry.description) else { throw Refusal(.unknownCountry, .payoutCountry) }
        guard t.amount > 0 else { throw Refusal(.invalidAmount, .amount) }
        try checkParties(t)
        let shares = try checkLegs(t)
        let key = Corridor.Key(sendCountry: t.sendCountry.description, sendCurrency: sendCurrency.code,
                               payoutCountry: t.payoutCountry.description, payoutCurrency: payoutCurrency.code)
        guard let corridor = corridors[key] else { throw Refusal(.unsupportedCorridor, .payoutCountry) }
        for (index, leg) in t.legs.enumerated() where !corridor.products.contains("\(leg.product)") {
            throw Refusal(.productNotAllowed, .legProduct, leg: index)
        }
        for (index, leg) in t.legs.enumerated() {
            let reachable = partners.contains {
                isEnabled($0.id) && $0.countries.contains(key.payoutCountry) && $0.currencies.contains(key.payoutCurrency)
                    && $0.products.contains("\(leg.product)") && (leg.institution.isEmpty || leg.institution == $0.id)
            }
            if !reachable {
                throw Refusal(.noPartnerAvailable, leg.institution.isEmpty ? .legProduct : .legInstitution, leg: index)
            }
        }
        if t.quoteId != nil { throw Refusal(.quoteNotFound, .quoteId) }
        guard let priced = corridor.price(amount: t.amount, receiveMode: t.amountMode == .receive) else {
            throw Refusal(.invalidAmount, .amount)
        }
        guard priced.send.minorUnits >= corridor.minimum else { throw Refusal(.amountBelowMinimum, .amount) }
        guard priced.send.minorUnits <= corridor.maximum else { throw Refusal(.amountAboveMaximum, .amount) }
        guard priced.payout.minorUnits > 0 else { throw Refusal(.invalidAmount, .amount) }
        let amounts = LegSplit.amounts(payout: priced.payout.minorUnits, shares: shares)
        let legs = zip(t.legs, amounts).map { leg, amount in
            TransferSubmission.LegPlan(product: "\(leg.product)", institution: leg.institution, account: leg.account,
                                       share: leg.share, payoutAmount: amount)
        }
        let (expiry, overflow) = now.addingReportingOverflow(holdExpiryMs)
        let terms = TransferSubmission.Terms(sendAmount: priced.send, fee: priced.fee, payoutAmount: priced.payout,
                                             legs: legs, holdExpiresAt: overflow ? .max : expiry)
        return (terms, priced.rate)
    }

    /// Names and accounts of both parties are always required: PROTOCOL.md's floor below any
    /// FATF Recommendation 16 threshold.
    private func checkParties(_ t: Transfer) throws(Refusal) {
        if t.senderName.isEmpty { throw Refusal(.originatorDataRequired, .senderName) }
        if t.senderAccount.isEmpty { throw Refusal(.originatorDataRequired, .senderAccount) }
        if t.beneficiaryName.isEmpty { throw Refusal(.beneficiaryDataRequired, .beneficiaryName) }
        if t.beneficiaryAccount.isEmpty { throw Refusal(.beneficiaryDataRequired, .beneficiaryAccount) }
        for phone in [(t.senderPhone, FieldID.senderPhone), (t.beneficiaryPhone, .beneficiaryPhone)] where phone.0 != 0 {
            // E.164: a country code and subscriber number, 8 to 15 digits in all.
            guard phone.0 >= 10_000_000 else { throw Refusal(.invalidPhone, phone.1) }
        }
    }

    private func checkLegs(_ t: Transfer) throws(Refusal) -> [UInt16] {
        var total = 0
        for (index, leg) in t.legs.enumerated() {
            guard leg.share > 0, leg.share <= 10_000 else { throw Refusal(.legSharesNotWhole, .legShare, leg: index) }
            total += Int(leg.share)
            if leg.account.isEmpty && leg.product != .cashPickup {
                throw Refusal(.invalidAccount, .legAccount, leg: index)
            }
        }
        guard total == 10_000 else { throw Refusal(.legSharesNotWhole, .legShare) }
        return t.legs.map(\.share)
    }
}
