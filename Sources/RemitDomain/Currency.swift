/// An ISO 4217 currency: its alphabetic code and the number of decimals of its minor unit.
///
/// ```swift
/// let kwd = try Currency("KWD")   // exponent 3: KWD 1.000 is 1000 minor units
/// ```
public struct Currency: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let code: String
    /// Decimals of the minor unit: 2 for USD, 0 for JPY, 3 for KWD.
    public let exponent: Int

    public init(_ code: String) throws(MoneyError) {
        guard let exponent = Currency.exponents[code] else { throw .unknownCurrency(code) }
        self.code = code
        self.exponent = exponent
    }

    public var description: String { code }

    public static func < (lhs: Currency, rhs: Currency) -> Bool { lhs.code < rhs.code }

    /// Active ISO 4217 currencies and their minor-unit exponents (the standard's list, without
    /// funds codes, precious metals and testing codes).
    public static let exponents: [String: Int] = {
        var table = [String: Int]()
        let twoDecimals = """
            AED AFN ALL AMD AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BRL BSD BTN BWP BYN BZD CAD CDF \
            CHF CNY COP CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GTQ GYD HKD \
            HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK \
            MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR RON RSD \
            RUB SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TOP TRY TTD TWD TZS \
            UAH USD UZS VES WST XCD XCG YER ZAR ZMW ZWG
            """
        for code in twoDecimals.split(separator: " ") { table[String(code)] = 2 }
        for code in "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX VND VUV XAF XOF XPF".split(separator: " ") {
            table[String(code)] = 0
        }
        for code in "BHD IQD JOD KWD LYD OMR TND".split(separator: " ") { table[String(code)] = 3 }
        return table
    }()
}
