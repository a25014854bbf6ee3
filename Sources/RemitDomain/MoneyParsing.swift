extension Money {
    /// Minor units for a decimal written in major units: "100", "100.5" and "100.50" are 10050
    /// for USD; "-1.25" is -125. More decimals than the currency has, or anything else than digits
    /// and one point, is nil: an amount is never rounded on its way in.
    ///
    /// ```swift
    /// Money.parseMinorUnits("100.00", try Currency("USD"))   // 10000
    /// Money.parseMinorUnits("1.005", try Currency("USD"))    // nil
    /// ```
    public static func parseMinorUnits(_ text: String, _ currency: Currency) -> Int64? {
        var body = Substring(text)
        var negative = false
        if body.first == "-" {
            negative = true
            body = body.dropFirst()
        }
        let parts = body.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard let whole = parts.first, !whole.isEmpty, whole.count <= 19,
              whole.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 })
        else { return nil }
        let fraction = parts.count == 2 ? parts[1] : ""
        guard parts.count == 1 || !fraction.isEmpty, fraction.count <= currency.exponent,
              fraction.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 })
        else { return nil }
        var scale: Int64 = 1
        for _ in 0..<currency.exponent { scale *= 10 }
        let padded = fraction + String(repeating: "0", count: currency.exponent - fraction.count)
        guard let units = Int64(whole), let decimals = padded.isEmpty ? 0 : Int64(padded) else { return nil }
        let (scaled, overflow) = units.multipliedReportingOverflow(by: scale)
        let (total, overflow2) = scaled.addingReportingOverflow(decimals)
        guard !overflow, !overflow2 else { return nil }
        return negative ? -total : total
    }
}
