import RemitProtocol

/// Payout product names as configuration and the ledger write them: the protocol's case names.
public enum Products {
    public static let all: [String: Product] = Dictionary(uniqueKeysWithValues: Product.allCases.map { ("\($0)", $0) })
}
