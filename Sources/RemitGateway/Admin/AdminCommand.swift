import Foundation

/// One request on the admin socket: a JSON object on one line, answered by one JSON line.
///
/// ```
/// → {"command":"fund","operator":"ACME","amount":"1000.00","reference":"wire 2026-11-23/42"}
/// ← {"ok":true,"entries":[17],"balance":"1001000.00","currency":"USD"}
/// ← {"ok":false,"error":"operator NOPE is not configured"}
/// ```
public struct AdminRequest: Codable, Sendable, Hashable {
    public var command: String
    public var `operator`: String?
    /// Major units as a decimal string, in the operator's currency.
    public var amount: String?
    public var reference: String?

    public init(command: String, operator: String? = nil, amount: String? = nil, reference: String? = nil) {
        self.command = command
        self.operator = `operator`
        self.amount = amount
        self.reference = reference
    }
}

public struct AdminResponse: Codable, Sendable, Hashable {
    public var ok: Bool
    public var error: String?
    public var entries: [Int64]?
    public var balance: String?
    public var currency: String?
    public var status: String?

    public init(ok: Bool, error: String? = nil, entries: [Int64]? = nil, balance: String? = nil, currency: String? = nil,
                status: String? = nil) {
        self.ok = ok
        self.error = error
        self.entries = entries
        self.balance = balance
        self.currency = currency
        self.status = status
    }

    static func failure(_ error: String) -> AdminResponse { AdminResponse(ok: false, error: error) }
}
