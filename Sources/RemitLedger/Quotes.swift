import Foundation
import GRDB
import RemitDomain

/// A quote as the gateway gave it: a transfer naming it gets exactly these terms until it expires.
public struct QuoteRecord: Hashable, Sendable, Codable {
    public struct Leg: Hashable, Sendable, Codable {
        public var product: String
        public var share: UInt16
        public var institution: String
        public var payoutAmount: Int64

        public init(product: String, share: UInt16, institution: String, payoutAmount: Int64) {
            self.product = product
            self.share = share
            self.institution = institution
            self.payoutAmount = payoutAmount
        }
    }

    public var operatorId: String
    public var quoteId: TransferID
    public var sendCountry: String
    public var payoutCountry: String
    public var sendCurrency: String
    public var payoutCurrency: String
    /// "send" or "receive".
    public var amountMode: String
    public var amount: Int64
    public var sendAmount: Int64
    public var fee: Int64
    public var payoutAmount: Int64
    /// Rates times 10^9.
    public var rate: Int64
    public var referenceRate: Int64
    public var legs: [Leg]
    public var createdAt: Int64
    public var expiresAt: Int64

    public init(operatorId: String, quoteId: TransferID, sendCountry: String, payoutCountry: String, sendCurrency: String,
                payoutCurrency: String, amountMode: String, amount: Int64, sendAmount: Int64, fee: Int64,
                payoutAmount: Int64, rate: Int64, referenceRate: Int64, legs: [Leg], createdAt: Int64, expiresAt: Int64) {
        self.operatorId = operatorId
        self.quoteId = quoteId
        self.sendCountry = sendCountry
        self.payoutCountry = payoutCountry
        self.sendCurrency = sendCurrency
        self.payoutCurrency = payoutCurrency
        self.amountMode = amountMode
        self.amount = amount
        self.sendAmount = sendAmount
        self.fee = fee
        self.payoutAmount = payoutAmount
        self.rate = rate
        self.referenceRate = referenceRate
        self.legs = legs
        self.createdAt = createdAt
        self.expiresAt = expiresAt
    }
}

extension TransferID: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let id = TransferID(uuid: text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not a UUID: \(text)")
        }
        self = id
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

enum Quotes {
    static func record(_ db: Database, _ quote: QuoteRecord, _ context: WriteContext) throws {
        try context.requireOperator(db, quote.operatorId)
        let legs = String(decoding: try JSONEncoder().encode(quote.legs), as: UTF8.self)
        try db.cachedStatement(sql: """
            INSERT INTO quote (operator_id, quote_id, send_country, payout_country, send_currency, payout_currency,
                               amount_mode, amount, send_amount, fee, payout_amount, rate, reference_rate, legs,
                               created_at, expires_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [quote.operatorId, Data(quote.quoteId.bytes), quote.sendCountry, quote.payoutCountry,
                                     quote.sendCurrency, quote.payoutCurrency, quote.amountMode, quote.amount,
                                     quote.sendAmount, quote.fee, quote.payoutAmount, quote.rate, quote.referenceRate,
                                     legs, quote.createdAt, quote.expiresAt])
    }

    static func setRate(_ db: Database, _ rate: ReferenceRate, source: String, _ context: WriteContext) throws {
        try db.cachedStatement(sql: """
            INSERT INTO reference_rate (base, quote, mid, as_of, source, recorded_at) VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT (base, quote) DO UPDATE SET mid = excluded.mid, as_of = excluded.as_of, source = excluded.source,
                recorded_at = excluded.recorded_at
            WHERE excluded.as_of >= reference_rate.as_of
            """).execute(arguments: [rate.base.code, rate.quote.code, rate.mid.nanos, rate.asOf, source, context.time])
    }
}

extension Ledger {
    /// The operator's quote with this id; another operator's is not found.
    public func quote(operatorId: String, id: TransferID) throws -> QuoteRecord? {
        try pool.read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM quote WHERE operator_id = ? AND quote_id = ?",
                                             arguments: [operatorId, Data(id.bytes)])
            else { return nil }
            let legs = try JSONDecoder().decode([QuoteRecord.Leg].self, from: Data((row["legs"] as String).utf8))
            return QuoteRecord(
                operatorId: row["operator_id"], quoteId: id, sendCountry: row["send_country"],
                payoutCountry: row["payout_country"], sendCurrency: row["send_currency"],
                payoutCurrency: row["payout_currency"], amountMode: row["amount_mode"], amount: row["amount"],
                sendAmount: row["send_amount"], fee: row["fee"], payoutAmount: row["payout_amount"], rate: row["rate"],
                referenceRate: row["reference_rate"], legs: legs, createdAt: row["created_at"], expiresAt: row["expires_at"])
        }
    }

    /// Every reference rate, newest observation per pair.
    public func referenceRates() throws -> [ReferenceRate] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT base, quote, mid, as_of FROM reference_rate ORDER BY base, quote").compactMap { row in
                guard let base = try? Currency(row["base"]), let quote = try? Currency(row["quote"]),
                      (row["mid"] as Int64) > 0
                else { return nil }
                return ReferenceRate(base: base, quote: quote, mid: Rate(nanos: row["mid"]), asOf: row["as_of"])
            }
        }
    }
}
