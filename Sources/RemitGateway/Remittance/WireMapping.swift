import RemitDomain
import RemitLedger
import RemitProtocol

/// The ledger's records in the protocol's terms. The domain and the protocol name states alike
/// (`inDoubt` is `IN_DOUBT`); the mappings are exhaustive switches, so a state added to one side
/// and not the other does not compile, and an answer costs no string work (matching the states
/// by name was 1.5 % of the session path's time in a profile). `WireMappingTests` checks that
/// each case maps to its namesake.
enum WireMapping {
    static func state(_ state: RemitDomain.TransferState) -> RemitProtocol.TransferState {
        switch state {
        case .accepted: .accepted
        case .dispatched: .dispatched
        case .inDoubt: .inDoubt
        case .paid: .paid
        case .failed: .failed
        case .refunded: .refunded
        case .cancelled: .cancelled
        case .reversed: .reversed
        case .rejected: .rejected
        case .inReview: .inReview
        case .partiallyPaid: .partiallyPaid
        }
    }

    static func state(_ state: RemitDomain.LegState) -> RemitProtocol.LegState {
        switch state {
        case .pending: .pending
        case .dispatched: .dispatched
        case .inDoubt: .inDoubt
        case .paid: .paid
        case .failed: .failed
        case .refunded: .refunded
        case .redirected: .redirected
        case .cancelled: .cancelled
        case .reversed: .reversed
        }
    }

    /// A ledger reason as the protocol's error code on a connection of `version`. The
    /// collective-remittance reasons have codes from version 3 on; earlier connections get the
    /// nearest code their version defines (PROTOCOL.md section 6, *Collective remittances*), so
    /// that no connection sees a code its version does not define.
    static func code(_ reason: ReasonCode, version: UInt8) -> ErrorCode {
        if version >= 3 { return ErrorCode(rawValue: reason.rawValue) }
        switch reason {
        case .unknownProject: return .invalidAccount
        case .projectClosed: return .noPartnerAvailable
        case .projectRefunded: return .partnerReversed
        default: return ErrorCode(rawValue: reason.rawValue)
        }
    }

    static func id(_ id: TransferID) -> ID128 { ID128(high: id.high, low: id.low) }
    static func id(_ id: ID128) -> TransferID { TransferID(high: id.high, low: id.low) }

    static func result(_ receipt: TransferReceipt, version: UInt8) -> TransferResult {
        TransferResult(
            transferId: id(receipt.transferId), sendAmount: receipt.sendAmount, fee: receipt.fee,
            payoutAmount: receipt.payoutAmount, recordedAt: receipt.recordedAt,
            errorCode: code(receipt.reason, version: version), fieldId: FieldID(rawValue: receipt.field),
            state: state(receipt.state), replayed: receipt.replayed)
    }

    static func status(_ view: TransferView, version: UInt8) -> TransferStatus {
        TransferStatus(
            transferId: id(view.transferId), quoteId: view.quoteId.map(id), sendAmount: view.sendAmount, fee: view.fee,
            payoutAmount: view.payoutAmount, rate: view.rate, createdAt: view.createdAt, updatedAt: view.updatedAt,
            lastEventSequence: view.lastEventSequence, errorCode: code(view.reason, version: version),
            state: state(view.state),
            sendCurrency: view.sendCurrency.flatMap(CurrencyCode.init) ?? CurrencyCode("XXX")!,
            payoutCurrency: view.payoutCurrency.flatMap(CurrencyCode.init) ?? CurrencyCode("XXX")!,
            sendCountry: view.sendCountry.flatMap(CountryCode.init) ?? CountryCode("ZZ")!,
            payoutCountry: view.payoutCountry.flatMap(CountryCode.init) ?? CountryCode("ZZ")!,
            operatorReference: view.operatorReference,
            legs: view.legs.map { leg in
                LegStatus(product: Products.all[leg.product] ?? .mobileWallet, state: state(leg.state), share: leg.share,
                          errorCode: code(leg.reason, version: version), payoutAmount: leg.payoutAmount,
                          institution: leg.partner.isEmpty ? leg.institution : leg.partner,
                          partnerReference: leg.partnerReference)
            })
    }

    static func event(_ record: EventRecord, version: UInt8) -> Event {
        let change: Event.Change
        if let leg = record.leg {
            change = .leg(index: UInt8(leg), state: state(RemitDomain.LegState(rawValue: record.state)!))
        } else {
            change = .transfer(state(RemitDomain.TransferState(rawValue: record.state)!))
        }
        return Event(sequence: record.sequence, transferId: id(record.transferId), occurredAt: record.occurredAt,
                     errorCode: code(record.reason, version: version), change: change,
                     partnerReference: record.partnerReference)
    }

    /// The protocol's StandingInstruction for a stored one; nil is "never set" (revision 0).
    static func instruction(_ record: StandingInstructionRecord?, beneficiaryAccount: String) -> StandingInstruction {
        guard let record else { return StandingInstruction(updatedAt: 0, revision: 0, beneficiaryAccount: beneficiaryAccount, legs: []) }
        return StandingInstruction(
            updatedAt: record.updatedAt, revision: UInt32(clamping: record.revision),
            beneficiaryAccount: record.beneficiaryAccount, reference: record.reference,
            legs: record.legs.map { Leg(product: Products.all[$0.product]!, share: $0.share, institution: $0.institution,
                                        account: $0.account) })
    }

    static func instruction(_ set: SetStandingInstruction, operatorId: String) -> StandingInstructionRecord {
        StandingInstructionRecord(
            operatorId: operatorId, beneficiaryAccount: set.beneficiaryAccount, reference: set.reference,
            legs: set.legs.map { .init(product: $0.product.caseName, share: $0.share, institution: $0.institution,
                                       account: $0.account) })
    }
}
