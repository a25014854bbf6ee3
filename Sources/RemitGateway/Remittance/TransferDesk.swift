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
        /// The most one payout may be there, by payout currency (minor units).
        public var maximumAmounts: [String: Int64]

        public init(id: String, countries: Set<String>, currencies: Set<String>, products: Set<String>,
                    maximumAmounts: [String: Int64] = [:]) {
            self.id = id
            self.countries = countries
            self.currencies = currencies
            self.products = products
            self.maximumAmounts = maximumAmounts
        }

        func reaches(_ key: Corridor.Key, product: String, institution: String) -> Bool {
            countries.contains(key.payoutCountry) && currencies.contains(key.payoutCurrency)
                && pays(product: product, institution: institution)
        }

        /// The product, at the named institution if any, wherever it is paid.
        func pays(product: String, institution: String) -> Bool {
            products.contains(product) && (institution.isEmpty || institution == id)
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

    /// What the desk knows at a decision besides the transfer: the time, the reference rates,
    /// the operator's terms, and the quote the transfer names (looked up by the caller).
    public struct Context: Sendable {
        public var now: Int64
        public var prefundCurrency: Currency
        public var quoteRequired: Bool
        public var maxTransaction: Int64?
        public var limits = VolumeLimits()
        public var rates: @Sendable (Currency, Currency) -> ReferenceRate?
        /// The named quote, if the transfer names one and it exists for this operator.
        public var quote: QuoteRecord?
        /// Screens parties' names; nil screens nothing.
        public var screener: Screener?
        /// The beneficiary's standing instruction, looked up by the caller when the transfer
        /// applies one; nil if it has none.
        public var standingInstruction: StandingInstructionRecord?
        /// The projects the transfer's contribution legs name, looked up by the caller; a project
        /// missing here does not exist.
        public var projects: [String: ProjectTerms] = [:]

        public init(now: Int64, prefundCurrency: Currency, quoteRequired: Bool = false,
                    rates: @escaping @Sendable (Currency, Currency) -> ReferenceRate?, quote: QuoteRecord? = nil) {
            self.now = now
            self.prefundCurrency = prefundCurrency
            self.quoteRequired = quoteRequired
            self.rates = rates
            self.quote = quote
        }
    }

    /// The ledger command for one transfer: accepted with its terms, or rejected with the first
    /// reason found (a rejection is recorded too: a failed id stays failed).
    public func submission(operatorId: String, _ transfer: Transfer, _ context: Context) throws(ProtocolError)
        -> TransferSubmission
    {
        submission(operatorId: operatorId, transfer, contentHash: try transfer.withCanonicalBytes(Self.contentHash),
                   context)
    }

    /// The same, for transfer `index` of a received batch: hashed from the bytes it arrived in
    /// when they are canonical, which spares encoding it again.
    public func submission(operatorId: String, _ batch: SubmitTransfers, at index: Int, _ context: Context)
        throws(ProtocolError) -> TransferSubmission
    {
        submission(operatorId: operatorId, batch.transfers[index],
                   contentHash: try batch.withCanonicalBytes(ofTransferAt: index, Self.contentHash), context)
    }

    /// What PROTOCOL.md section 8 compares: the SHA-256 of the transfer's canonical bytes. From
    /// the digest's bytes, one allocation of 32: built from the digest as a sequence, the array
    /// grew three times (heaptrack: three allocations per transfer).
    static func contentHash(_ canonicalBytes: UnsafeRawBufferPointer) -> [UInt8] {
        SHA256.hash(data: canonicalBytes).withUnsafeBytes { [UInt8]($0) }
    }

    func submission(operatorId: String, _ transfer: Transfer, contentHash hash: [UInt8], _ context: Context)
        -> TransferSubmission
    {
        let details = TransferSubmission.Details(
            operatorReference: transfer.operatorReference, sendCurrency: transfer.sendCurrency.description,
            payoutCurrency: transfer.payoutCurrency.description, sendCountry: transfer.sendCountry.description,
            payoutCountry: transfer.payoutCountry.description,
            quoteId: transfer.quoteId.map { TransferID(high: $0.high, low: $0.low) },
            redirectToFirstLeg: transfer.legFailurePolicy == .redirectToFirstLeg,
            senderName: transfer.senderName, senderAccount: transfer.senderAccount,
            beneficiaryName: transfer.beneficiaryName)
        let id = TransferID(high: transfer.transferId.high, low: transfer.transferId.low)
        // Screening runs first and is recorded whatever else is decided.
        var screenings: [ScreeningRecord] = []
        var held = false
        var refusal: Refusal?
        if let screener = context.screener, !screener.lists.isEmpty, !transfer.transferId.isZero {
            // Each party's country is where they are: the send and payout countries.
            for (party, name, dob, country, code, field) in [
                ("sender", transfer.senderName, transfer.senderDateOfBirth, transfer.sendCountry.description,
                 ErrorCode.sanctionsMatchSender, FieldID.senderName),
                ("beneficiary", transfer.beneficiaryName, UInt32(0), transfer.payoutCountry.description,
                 ErrorCode.sanctionsMatchBeneficiary, FieldID.beneficiaryName),
            ] where !name.isEmpty {
                let result = screener.screen(name: name, dateOfBirth: dob, country: country)
                screenings.append(ScreeningRecord(party: party, decision: result.decision.rawValue,
                                                  scoreBps: (result.score / 100).clamped(to: 0...10_000),
                                                  entryId: result.entryId, matchedName: result.matchedName,
                                                  source: result.source))
                if result.decision == .match, refusal == nil { refusal = Refusal(code, field) }
                if result.decision == .review { held = true }
            }
        }
        do throws(Refusal) {
            if let refusal { throw refusal }
            var (terms, rates) = try decide(transfer, context)
            terms.review = held
            var accepted = details
            accepted.rate = rates.applied.nanos
            accepted.referenceRate = rates.reference.nanos
            if transfer.applyStandingInstruction { accepted.standingInstructionRevision = context.standingInstruction?.revision }
            let volume = context.limits.isEmpty ? nil : VolumeParties(
                sender: Self.partyKey(transfer.senderAccount), beneficiary: Self.partyKey(transfer.beneficiaryAccount),
                limits: context.limits)
            var submission = TransferSubmission(operatorId: operatorId, transferId: id, contentHash: hash,
                                                decision: .accept(terms), details: accepted, volume: volume)
            submission.screenings = screenings
            return submission
        } catch {
            var submission = TransferSubmission(operatorId: operatorId, transferId: id, contentHash: hash,
                                                decision: .reject(ReasonCode(rawValue: error.code.rawValue),
                                                                  field: error.field.rawValue),
                                                details: details)
            submission.screenings = screenings
            return submission
        }
    }

    /// A route priced: the corridor, the rates applied and the amounts.
    struct Priced {
        var corridor: Corridor
        var applied: Rate
        var reference: Rate
        var amounts: PricedAmount
        var legAmounts: [Int64]
    }

    /// Checks currencies, countries, amount, legs, corridor, products and partners, and prices
    /// the amount at the current rate: what a quote and an unquoted transfer have in common.
    func route(sendCurrency code: CurrencyCode, payoutCurrency payoutCode: CurrencyCode, sendCountry: CountryCode,
               payoutCountry: CountryCode, amount: Int64, receiveMode: Bool,
               legs: [(product: Product, share: UInt16, institution: String)], _ context: Context) throws(Refusal)
        -> Priced
    {
        let corridor = try check(sendCurrency: code, payoutCurrency: payoutCode, sendCountry: sendCountry,
                                 payoutCountry: payoutCountry, amount: amount, legs: legs, context)
        let rates: (applied: Rate, reference: Rate)
        do { rates = try corridor.rates(at: context.now, reference: context.rates) } catch {
            throw Refusal(.rateUnavailable, .payoutCurrency)
        }
        guard let amounts = corridor.price(amount: amount, receiveMode: receiveMode, rate: rates.applied) else {
            throw Refusal(.invalidAmount, .amount)
        }
        guard amounts.send.minorUnits >= corridor.minimum else { throw Refusal(.amountBelowMinimum, .amount) }
        guard amounts.send.minorUnits <= corridor.maximum else { throw Refusal(.amountAboveMaximum, .amount) }
        guard amounts.payout.minorUnits > 0 else { throw Refusal(.invalidAmount, .amount) }
        let legAmounts = LegSplit.amounts(payout: amounts.payout.minorUnits, shares: legs.map(\.share))
        try checkLegAmounts(corridor, legs: legs, amounts: legAmounts)
        return Priced(corridor: corridor, applied: rates.applied, reference: rates.reference, amounts: amounts,
                      legAmounts: legAmounts)
    }

    /// Everything but the price: the corridor a request may use.
    func check(sendCurrency code: CurrencyCode, payoutCurrency payoutCode: CurrencyCode, sendCountry: CountryCode,
               payoutCountry: CountryCode, amount: Int64, legs: [(product: Product, share: UInt16, institution: String)],
               _ context: Context) throws(Refusal) -> Corridor {
        guard let sendCurrency = try? Currency(code.description) else { throw Refusal(.unknownCurrency, .sendCurrency) }
        guard let payoutCurrency = try? Currency(payoutCode.description) else {
            throw Refusal(.unknownCurrency, .payoutCurrency)
        }
        guard sendCurrency == context.prefundCurrency else { throw Refusal(.notPermitted, .sendCurrency) }
        guard Countries.isKnown(sendCountry.description) else { throw Refusal(.unknownCountry, .sendCountry) }
        guard Countries.isKnown(payoutCountry.description) else { throw Refusal(.unknownCountry, .payoutCountry) }
        guard amount > 0 else { throw Refusal(.invalidAmount, .amount) }
        var total = 0
        for (index, leg) in legs.enumerated() {
            guard leg.share > 0, leg.share <= 10_000 else { throw Refusal(.legSharesNotWhole, .legShare, leg: index) }
            total += Int(leg.share)
        }
        guard total == 10_000 else { throw Refusal(.legSharesNotWhole, .legShare) }
        let key = Corridor.Key(sendCountry: sendCountry.description, sendCurrency: sendCurrency.code,
                               payoutCountry: payoutCountry.description, payoutCurrency: payoutCurrency.code)
        guard let corridor = corridors[key] else { throw Refusal(.unsupportedCorridor, .payoutCountry) }
        for (index, leg) in legs.enumerated() where !corridor.products.contains(leg.product.caseName) {
            throw Refusal(.productNotAllowed, .legProduct, leg: index)
        }
        // A contribution is paid into its project's escrow: no partner has it (see checkProjects).
        for (index, leg) in legs.enumerated() where leg.product != .projectContribution {
            let reachable = partners.contains {
                isEnabled($0.id) && $0.reaches(key, product: leg.product.caseName, institution: leg.institution)
            }
            if !reachable {
                throw Refusal(.noPartnerAvailable, leg.institution.isEmpty ? .legProduct : .legInstitution, leg: index)
            }
        }
        return corridor
    }

    /// Each leg's amount must be one some partner that can pay it takes: `8001
    /// NO_PARTNER_AVAILABLE` on the leg's amount otherwise, before any money is held.
    func checkLegAmounts(_ corridor: Corridor, legs: [(product: Product, share: UInt16, institution: String)],
                         amounts: [Int64]) throws(Refusal) {
        for (index, (leg, amount)) in zip(legs, amounts).enumerated() where leg.product != .projectContribution {
            let taken = partners.contains {
                isEnabled($0.id) && $0.reaches(corridor.key, product: leg.product.caseName, institution: leg.institution)
                    && amount <= $0.maximumAmounts[corridor.payoutCurrency.code] ?? .max
            }
            if !taken { throw Refusal(.noPartnerAvailable, .amount, leg: index) }
        }
    }

    func decide(_ t: Transfer, _ context: Context) throws(Refusal)
        -> (TransferSubmission.Terms, (applied: Rate, reference: Rate))
    {
        if t.transferId.isZero { throw Refusal(.invalidTransferId, .transferId) }
        try checkParties(t)
        let payoutLegs = try Self.payoutLegs(t, context.standingInstruction)
        for (index, leg) in payoutLegs.enumerated() where !Self.accountFits(leg) {
            throw Refusal(.invalidAccount, .legAccount, leg: index)
        }
        try Self.checkProjects(payoutLegs, payoutCurrency: t.payoutCurrency.description, context)
        let legs = payoutLegs.map { (product: $0.product, share: $0.share, institution: $0.institution) }
        if t.quoteId == nil && context.quoteRequired { throw Refusal(.quoteRequired, .quoteId) }
        let send: Money, fee: Money, payout: Money, legAmounts: [Int64], rates: (applied: Rate, reference: Rate)
        if let quoteId = t.quoteId {
            guard let quote = context.quote, quote.quoteId == TransferID(high: quoteId.high, low: quoteId.low) else {
                throw Refusal(.quoteNotFound, .quoteId)
            }
            guard context.now <= quote.expiresAt else { throw Refusal(.quoteExpired, .quoteId) }
            try Self.match(t, quote)
            // The quote's terms, exactly; the route is checked again (a partner may be off now),
            // but not priced: the quote fixed the price.
            let corridor = try check(sendCurrency: t.sendCurrency, payoutCurrency: t.payoutCurrency, sendCountry: t.sendCountry,
                                     payoutCountry: t.payoutCountry, amount: t.amount, legs: legs, context)
            // The quote priced the transfer's own leg; a standing instruction splits that payout.
            legAmounts = t.applyStandingInstruction
                ? LegSplit.amounts(payout: quote.payoutAmount, shares: legs.map(\.share)) : quote.legs.map(\.payoutAmount)
            try checkLegAmounts(corridor, legs: legs, amounts: legAmounts)
            let sendCurrency = try! Currency(quote.sendCurrency), payoutCurrency = try! Currency(quote.payoutCurrency)
            (send, fee, payout) = (Money(quote.sendAmount, sendCurrency), Money(quote.fee, sendCurrency),
                                   Money(quote.payoutAmount, payoutCurrency))
            rates = (Rate(nanos: quote.rate), Rate(nanos: quote.referenceRate))
        } else {
            let priced = try route(sendCurrency: t.sendCurrency, payoutCurrency: t.payoutCurrency, sendCountry: t.sendCountry,
                                   payoutCountry: t.payoutCountry, amount: t.amount, receiveMode: t.amountMode == .receive,
                                   legs: legs, context)
            (send, fee, payout) = (priced.amounts.send, priced.amounts.fee, priced.amounts.payout)
            legAmounts = priced.legAmounts
            rates = (priced.applied, priced.reference)
        }
        try checkOriginator(t, send: send.minorUnits, now: context.now)
        if let limit = context.maxTransaction, send.minorUnits > limit { throw Refusal(.operatorTransactionLimit, .amount) }
        let plans = zip(payoutLegs, legAmounts).map { leg, amount in
            TransferSubmission.LegPlan(product: leg.product.caseName, institution: leg.institution, account: leg.account,
                                       share: leg.share, payoutAmount: amount)
        }
        let (expiry, overflow) = context.now.addingReportingOverflow(holdExpiryMs)
        let terms = TransferSubmission.Terms(sendAmount: send, fee: fee, payoutAmount: payout, legs: plans,
                                             holdExpiresAt: overflow ? .max : expiry)
        return (terms, rates)
    }

    /// A leg's account must fit its product: present unless cash is picked up, and a wallet is
    /// its MSISDN (8 to 15 digits).
    static func accountFits(_ leg: Leg) -> Bool {
        if leg.account.isEmpty { return leg.product == .cashPickup }
        if leg.product == .mobileWallet {
            return (8...15).contains(leg.account.utf8.count) && leg.account.utf8.allSatisfy { $0 >= 48 && $0 <= 57 }
        }
        return true
    }

    /// A contribution leg's account names a project (`2018 UNKNOWN_PROJECT` otherwise) that
    /// takes contributions now, in the transfer's payout currency (`4007 PROJECT_CLOSED`
    /// otherwise): nothing is held for a contribution no project would take. Connections before
    /// protocol version 3 see the nearest codes their version has (`WireMapping.code`). The
    /// project is checked again when the leg is settled.
    static func checkProjects(_ legs: [Leg], payoutCurrency: String, _ context: Context) throws(Refusal) {
        for (index, leg) in legs.enumerated() where leg.product == .projectContribution {
            guard let project = context.projects[leg.account] else { throw Refusal(.unknownProject, .legAccount, leg: index) }
            guard project.takesContributions(at: context.now, in: payoutCurrency) else {
                throw Refusal(.projectClosed, .legAccount, leg: index)
            }
        }
    }

    /// A standing instruction's legs before they are stored: each a share of 1 to 9999, together
    /// less than 10000 (the transfer's own leg keeps the rest), an account that fits the product,
    /// and a product some enabled partner pays (with the institution, if named). Corridors are
    /// checked per transfer, where the countries are known.
    public func checkStandingInstruction(beneficiaryAccount: String, legs: [Leg]) throws(Refusal) {
        guard !beneficiaryAccount.isEmpty else { throw Refusal(.missingField, .beneficiaryAccount) }
        var taken = 0
        for (index, leg) in legs.enumerated() {
            guard leg.share > 0, leg.share < 10_000 else { throw Refusal(.legSharesNotWhole, .legShare, leg: index) }
            taken += Int(leg.share)
            guard Self.accountFits(leg) else { throw Refusal(.invalidAccount, .legAccount, leg: index) }
            let paid = partners.contains { isEnabled($0.id) && $0.pays(product: leg.product.caseName, institution: leg.institution) }
            guard paid else {
                throw Refusal(.noPartnerAvailable, leg.institution.isEmpty ? .legProduct : .legInstitution, leg: index)
            }
        }
        guard taken < 10_000 else { throw Refusal(.legSharesNotWhole, .legShare) }
    }

    /// The legs the transfer pays out: its own, or (`applyStandingInstruction`) its one leg with
    /// what the beneficiary's standing instruction leaves it, first, then the instruction's legs.
    /// Leg numbers in refusals count these legs.
    static func payoutLegs(_ t: Transfer, _ instruction: StandingInstructionRecord?) throws(Refusal) -> [Leg] {
        guard t.applyStandingInstruction else { return t.legs }
        guard t.legs.count == 1, t.legs[0].share == 10_000 else {
            throw Refusal(.standingInstructionNeedsOneLeg, .legs)
        }
        guard let instruction, !instruction.legs.isEmpty else { throw Refusal(.noStandingInstruction, .beneficiaryAccount) }
        let taken = instruction.legs.reduce(0) { $0 + Int($1.share) }
        // Checked when the instruction was set; a stored row that breaks it is refused, not paid.
        guard taken < 10_000, instruction.legs.allSatisfy({ $0.share > 0 }) else {
            throw Refusal(.legSharesNotWhole, .legShare)
        }
        var own = t.legs[0]
        own.share = UInt16(10_000 - taken)
        var legs = [own]
        for (index, leg) in instruction.legs.enumerated() {
            guard let product = Products.all[leg.product] else { throw Refusal(.productNotAllowed, .legProduct, leg: index + 1) }
            legs.append(Leg(product: product, share: leg.share, institution: leg.institution, account: leg.account))
        }
        return legs
    }

    /// A party's key for volume limits: its account as written, without spaces, hyphens or dots,
    /// in capitals, so that "ACC-1001" and "acc 1001" count as one sender.
    static func partyKey(_ account: String) -> String {
        String(account.uppercased().unicodeScalars.filter { !" -.".unicodeScalars.contains($0) }.map(Character.init))
    }

    /// A transfer naming a quote must ask for what was quoted: `7003 QUOTE_MISMATCH` otherwise.
    static func match(_ t: Transfer, _ quote: QuoteRecord) throws(Refusal) {
        let mode = t.amountMode == .receive ? "receive" : "send"
        let same = t.amount == quote.amount && t.sendCurrency.description == quote.sendCurrency
            && t.payoutCurrency.description == quote.payoutCurrency && t.sendCountry.description == quote.sendCountry
            && t.payoutCountry.description == quote.payoutCountry && mode == quote.amountMode
            && t.legs.count == quote.legs.count
            && zip(t.legs, quote.legs).allSatisfy {
                $0.product.caseName == $1.product && $0.share == $1.share && $0.institution == $1.institution
            }
        guard same else { throw Refusal(.quoteMismatch, .quoteId) }
    }

    /// Prices a quote request: the quote to store and send, or the refusal.
    public func quote(operatorId: String, _ request: QuoteRequest, _ context: Context, id: ID128, ttlMs: Int64)
        throws(Refusal) -> QuoteRecord
    {
        let legs = request.legs.map { (product: $0.product, share: $0.share, institution: $0.institution) }
        let priced = try route(sendCurrency: request.sendCurrency, payoutCurrency: request.payoutCurrency,
                               sendCountry: request.sendCountry, payoutCountry: request.payoutCountry,
                               amount: request.amount, receiveMode: request.amountMode == .receive, legs: legs, context)
        return QuoteRecord(
            operatorId: operatorId, quoteId: TransferID(high: id.high, low: id.low),
            sendCountry: request.sendCountry.description, payoutCountry: request.payoutCountry.description,
            sendCurrency: request.sendCurrency.description, payoutCurrency: request.payoutCurrency.description,
            amountMode: request.amountMode == .receive ? "receive" : "send", amount: request.amount,
            sendAmount: priced.amounts.send.minorUnits, fee: priced.amounts.fee.minorUnits,
            payoutAmount: priced.amounts.payout.minorUnits, rate: priced.applied.nanos, referenceRate: priced.reference.nanos,
            legs: zip(request.legs, priced.legAmounts).map {
                QuoteRecord.Leg(product: $0.product.caseName, share: $0.share, institution: $0.institution, payoutAmount: $1)
            },
            createdAt: context.now, expiresAt: context.now + ttlMs)
    }

    /// Names and accounts of both parties are always required: PROTOCOL.md's floor below any
    /// FATF Recommendation 16 threshold. Names must be names; phones E.164.
    private func checkParties(_ t: Transfer) throws(Refusal) {
        if t.senderName.isEmpty { throw Refusal(.originatorDataRequired, .senderName) }
        if t.senderAccount.isEmpty { throw Refusal(.originatorDataRequired, .senderAccount) }
        if t.beneficiaryName.isEmpty { throw Refusal(.beneficiaryDataRequired, .beneficiaryName) }
        if t.beneficiaryAccount.isEmpty { throw Refusal(.beneficiaryDataRequired, .beneficiaryAccount) }
        if !PartyRules.isValidName(t.senderName) { throw Refusal(.invalidName, .senderName) }
        if !PartyRules.isValidName(t.beneficiaryName) { throw Refusal(.invalidName, .beneficiaryName) }
        for phone in [(t.senderPhone, FieldID.senderPhone), (t.beneficiaryPhone, .beneficiaryPhone)] where phone.0 != 0 {
            guard PartyRules.isValidPhone(phone.0) else { throw Refusal(.invalidPhone, phone.1) }
        }
    }

    /// At or above the corridor's FATF R.16 threshold the sender's full data is required: an
    /// address, or a national id, or date and place of birth. A date of birth given at any
    /// amount must be a real date in the past.
    private func checkOriginator(_ t: Transfer, send: Int64, now: Int64) throws(Refusal) {
        if t.senderDateOfBirth != 0,
           !PartyRules.isValidBirthDate(t.senderDateOfBirth, today: UTCTime(now).yyyymmdd) {
            throw Refusal(.invalidDate, .senderDateOfBirth)
        }
        let key = Corridor.Key(sendCountry: t.sendCountry.description, sendCurrency: t.sendCurrency.description,
                               payoutCountry: t.payoutCountry.description, payoutCurrency: t.payoutCurrency.description)
        guard let corridor = corridors[key], send >= corridor.originatorThreshold else { return }
        let identified = !t.senderAddress.isEmpty || !t.senderNationalId.isEmpty
            || (t.senderDateOfBirth != 0 && !t.senderPlaceOfBirth.isEmpty)
        if !identified {
            throw Refusal(.originatorDataRequired, t.senderDateOfBirth != 0 ? .senderPlaceOfBirth : .senderAddress)
        }
    }
}

extension Int {
    func clamped(to range: ClosedRange<Int>) -> Int { Swift.min(Swift.max(self, range.lowerBound), range.upperBound) }
}

extension QuoteRecord {
    /// The protocol's Quote for this record.
    var message: Quote {
        let margin = Rate(nanos: rate).marginPPM(against: Rate(nanos: referenceRate))
        return Quote(
            quoteId: ID128(high: quoteId.high, low: quoteId.low), sendAmount: sendAmount, fee: fee,
            payoutAmount: payoutAmount, rate: rate, referenceRate: referenceRate, createdAt: createdAt, expiresAt: expiresAt,
            rateMargin: margin, totalCost: TotalCost.ppm(send: sendAmount, fee: fee, marginPPM: margin),
            sendCurrency: CurrencyCode(sendCurrency)!, payoutCurrency: CurrencyCode(payoutCurrency)!,
            sendCountry: CountryCode(sendCountry)!, payoutCountry: CountryCode(payoutCountry)!,
            amountMode: amountMode == "receive" ? .receive : .send,
            legs: legs.map { QuotedLeg(product: Products.all[$0.product]!, share: $0.share, payoutAmount: $0.payoutAmount,
                                       institution: $0.institution) })
    }
}
