import GRDB
import RemitDomain

/// The postings that pay one leg out of what was held for it: its part of the fee to fee
/// revenue; its part of the send amount to the partner's float (one currency), or, across
/// currencies, split three ways (`FXSettlement`) between the FX position at the reference rate,
/// the margin and the rounding remainder, with the payout leaving the FX position in the payout
/// currency for the partner's float. Zero amounts are left out; the accounts are opened as needed.
enum LegPostings {
    /// `transfer`: send_currency, send_amount, fee, payout_currency, rate, reference_rate.
    /// `legs`: every leg of the transfer (share, payout_amount, partner, product, account), in order.
    static func paid(_ db: Database, transfer: Row, legs: [Row], position: Int, _ context: WriteContext) throws -> [Posting] {
        let shares = legs.map { UInt16($0["share"] as Int64) }
        let send = try currency(transfer["send_currency"]), payout = try currency(transfer["payout_currency"])
        // Split by share like the payout, so that the legs' parts add up to the whole exactly.
        let part = TransferSubmission.legHolds(sendAmount: transfer["send_amount"], fee: transfer["fee"],
                                               shares: shares)[position]
        let payoutAmount: Int64 = legs[position]["payout_amount"]
        // A contribution to a collective-remittance project is paid into the project's escrow
        // (its account names the project), not to a partner.
        let destination: AccountCode = legs[position]["product"] as String? == Projects.product
            ? .projectEscrow(legs[position]["account"], payout) : .partnerFloat(legs[position]["partner"], payout)
        var credits = [Posting(.feeRevenue(send), credit: Money(part.fee, send))]
        if send == payout {
            credits.append(Posting(destination, credit: Money(part.send, send)))
        } else {
            let applied = Rate(nanos: transfer["rate"])
            let referenceNanos: Int64 = transfer["reference_rate"]
            let reference = referenceNanos > 0 ? Rate(nanos: referenceNanos) : applied
            guard applied.nanos > 0,
                  let fx = FXSettlement(sendPart: part.send, payout: payoutAmount, applied: applied, reference: reference,
                                        from: send, to: payout)
            else { throw LedgerError.invalidRate(applied: applied.nanos, reference: reference.nanos) }
            // Signed: a negative margin or rounding is a debit.
            credits += [Posting(.fxPosition(send), credit: Money(fx.atReference, send)),
                        Posting(.fxMarginRevenue(send), credit: Money(fx.margin, send)),
                        Posting(.rounding(send), credit: Money(fx.rounding, send)),
                        Posting(.fxPosition(payout), debit: Money(payoutAmount, payout)),
                        Posting(destination, credit: Money(payoutAmount, payout))]
        }
        credits.removeAll { $0.amount == 0 }
        var opened: Set<AccountCode> = []
        for code in credits.map(\.account) where opened.insert(code).inserted {
            try Accounts.open(db, code, floor: nil, at: context.time, ifMissing: true)
        }
        return credits
    }

    private static func currency(_ code: String) throws -> Currency {
        do { return try Currency(code) } catch { throw LedgerError.money(error) }
    }
}
