/// How one payout leg's part of the send amount is accounted for when the leg is paid in another
/// currency: the cost of the payout at the reference mid rate goes to the FX position, the
/// margin to FX revenue, and what the single rounding of the conversion left over to the
/// rounding account. The three add up to the send part exactly, so no minor unit is lost.
///
/// ```swift
/// // USD 100.00 at 127.508250 (mid 129.45) pays KES 12,750.82.
/// let s = FXSettlement(sendPart: 10_000, payout: 1_275_082, applied: try Rate("127.50825"),
///                      reference: try Rate("129.45"), from: usd, to: kes)!
/// // s.atReference 9_849, s.margin 150, s.rounding 1 (the half KES cent kept back, rounded up to a cent)
/// ```
public struct FXSettlement: Hashable, Sendable {
    /// Send minor units that buy the payout at the reference rate, rounded down.
    public var atReference: Int64
    /// The payout's cost at the applied rate less its cost at the reference rate, both rounded
    /// down: the margin the rate carries. Negative only for a rate better than the reference.
    public var margin: Int64
    /// What is left: the fraction of a payout minor unit that rounding the payout down kept back,
    /// in send minor units. One leg of a split may show a negative remainder when the legs'
    /// own rounding gave it a minor unit more; a transfer's legs together never do.
    public var rounding: Int64

    public init?(sendPart: Int64, payout: Int64, applied: Rate, reference: Rate, from: Currency, to: Currency) {
        guard sendPart >= 0, payout >= 0,
              let atApplied = Conversion.value(ofPayout: payout, rate: applied, from: from, to: to),
              let atReference = Conversion.value(ofPayout: payout, rate: reference, from: from, to: to)
        else { return nil }
        self.atReference = atReference
        self.margin = atApplied - atReference
        self.rounding = sendPart - atApplied
        assert(self.atReference + self.margin + self.rounding == sendPart)
    }
}
