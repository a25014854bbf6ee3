import Crypto
import Foundation
import NIOHTTP1
import RemitDomain

/// Pays mobile-wallet legs through a provider speaking the GSMA Mobile Money API v1.2's
/// international transfer flow:
///
/// 1. `POST /quotations` for the payout amount in the payout currency; the provider's quote must
///    deliver exactly that amount, or the leg is refused (the gateway priced it already).
/// 2. `POST /transactions/type/inttransfer` naming the quote, with `X-CorrelationID` derived from
///    the leg's idempotency key (the provider answers a repeat with the original result) and
///    `X-Callback-URL` for the asynchronous result. A `202` with a request state is pending; the
///    result arrives by callback, or by inquiry.
/// 3. Inquiries: `GET /responses/{X-CorrelationID}` gives the transaction's link, then
///    `GET /transactions/{reference}` its `transactionStatus`.
///
/// Statuses and errors map to outcomes so that nothing is refunded while it may have been paid:
/// 4xx business-rule and validation errors refuse; 401/403, 429, 503 and connections that never
/// opened are busy (not taken); other 5xx and silence are unknown.
///
/// ```swift
/// let wallet = MobileWalletAdapter(id: "MPESA-KE", capabilities: capabilities,
///                                  settings: .init(baseURL: "https://api.example/mm/v1.2", debitAccount: "REMIT-01",
///                                                  callbackURL: "https://gateway.example/callbacks"))
/// ```
public struct MobileWalletAdapter: PartnerAdapter {
    public struct Settings: Sendable {
        public var baseURL: String
        /// Sent as `X-API-Key` when set.
        public var apiKey: String?
        /// The gateway's own account at the provider, the debit party.
        public var debitAccount: String
        /// Where the gateway takes callbacks (`…/callbacks`); the partner id and the leg's key are
        /// appended. Without it the provider is polled.
        public var callbackURL: String?
        public var timeoutMs: Int64

        public init(baseURL: String, apiKey: String? = nil, debitAccount: String, callbackURL: String? = nil,
                    timeoutMs: Int64 = 10_000) {
            self.baseURL = baseURL
            self.apiKey = apiKey
            self.debitAccount = debitAccount
            self.callbackURL = callbackURL
            self.timeoutMs = timeoutMs
        }
    }

    public let id: String
    public let capabilities: PartnerCapabilities
    let settings: Settings
    let http: PartnerHTTP

    public init(id: String, capabilities: PartnerCapabilities, settings: Settings) {
        self.id = id
        self.capabilities = capabilities
        self.settings = settings
        http = PartnerHTTP(baseURL: settings.baseURL, timeoutMs: settings.timeoutMs)
    }

    /// The GSMA's correlation ids are UUIDs: a name-based one (RFC 9562 version 8, from SHA-256)
    /// so that the same leg always has the same id, the quotation another.
    public static func correlationId(_ key: String, _ purpose: String = "transaction") -> String {
        var bytes = Array(SHA256.hash(data: Data("\(purpose):\(key)".utf8)).prefix(16))
        bytes[6] = (bytes[6] & 0x0F) | 0x80
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        let hex = bytes.map { String(format: "%02x", $0) }.joined()
        let parts = [hex.prefix(8), hex.dropFirst(8).prefix(4), hex.dropFirst(12).prefix(4), hex.dropFirst(16).prefix(4),
                     hex.dropFirst(20)]
        return parts.joined(separator: "-")
    }

    func headers(_ correlationId: String, callback key: String? = nil) -> [(String, String)] {
        var headers = [("X-CorrelationID", correlationId), ("X-Date", HTTPDate.now())]
        if let apiKey = settings.apiKey { headers.append(("X-API-Key", apiKey)) }
        if let key, let base = settings.callbackURL {
            headers.append(("X-Callback-URL", "\(base.hasSuffix("/") ? String(base.dropLast()) : base)/\(id)/\(key)"))
        }
        return headers
    }

    func parties(_ instruction: PayoutInstruction) -> [String: Any] {
        // Wallets are MSISDNs; the gateway holds them as digits.
        var parties: [String: Any] = [
            "creditParty": [["key": "msisdn", "value": "+" + instruction.account]],
            "debitParty": [["key": "accountid", "value": settings.debitAccount]],
        ]
        // The originator's and the beneficiary's names travel with the transfer (FATF R.16).
        if !instruction.senderName.isEmpty {
            var kyc: [String: Any] = ["subjectName": ["fullName": instruction.senderName]]
            if !instruction.originCountry.isEmpty { kyc["postalAddress"] = ["country": instruction.originCountry] }
            parties["senderKyc"] = kyc
        }
        if !instruction.beneficiaryName.isEmpty {
            parties["recipientKyc"] = ["subjectName": ["fullName": instruction.beneficiaryName]]
        }
        return parties
    }

    public func submit(_ instruction: PayoutInstruction) async -> PayoutOutcome {
        let amount = instruction.amount.formatted, currency = instruction.amount.currency.code
        // 1. The quotation: no money moves, so any failure here is at worst busy.
        var request = parties(instruction)
        request["requestAmount"] = amount
        request["requestCurrency"] = currency
        request["type"] = "inttransfer"
        request["requestDate"] = ISO8601DateFormatter().string(from: Date())
        let quotation = await http.call(.POST, "/quotations",
                                        headers: headers(Self.correlationId(instruction.idempotencyKey, "quotation")),
                                        json: PartnerJSON.encode(request))
        let quote: (reference: String, id: String)
        switch quotation {
        case .response(let status, _, let body) where (200...201).contains(status):
            guard let object = PartnerJSON.object(body), let quotes = object["quotes"] as? [[String: Any]],
                  let first = quotes.first, let quoteId = first["quoteId"] as? String else {
                return .busy(reason: "quotation without a quote")
            }
            let receiving = first["receivingAmount"] as? String, receivingCurrency = first["receivingCurrency"] as? String
            guard receivingCurrency == nil || receivingCurrency == currency,
                  receiving.flatMap({ Money.parseMinorUnits($0, instruction.amount.currency) }) == instruction.amount.minorUnits
            else {
                return .rejected(reason: "the partner quoted \(receiving ?? "nothing") \(receivingCurrency ?? "") for \(amount) \(currency)")
            }
            quote = (object["quotationReference"] as? String ?? "", quoteId)
        case .response(let status, _, let body):
            let outcome = Self.failure(status, body)
            if case .unknown(let reason) = outcome { return .busy(reason: "quotation: \(reason)") }
            return outcome
        case .notSent(let reason), .noAnswer(let reason):
            return .busy(reason: "quotation: \(reason)")
        }

        // 2. The transaction, under the leg's own correlation id.
        var transaction = parties(instruction)
        transaction["amount"] = amount
        transaction["currency"] = currency
        transaction["type"] = "inttransfer"
        transaction["requestingOrganisationTransactionReference"] = instruction.idempotencyKey
        transaction["requestDate"] = ISO8601DateFormatter().string(from: Date())
        var international: [String: Any] = ["receivingCountry": instruction.country, "quotationReference": quote.reference,
                                            "quoteId": quote.id]
        if !instruction.originCountry.isEmpty { international["originCountry"] = instruction.originCountry }
        transaction["internationalTransferInformation"] = international
        let answer = await http.call(.POST, "/transactions/type/inttransfer",
                                     headers: headers(Self.correlationId(instruction.idempotencyKey),
                                                      callback: instruction.idempotencyKey),
                                     json: PartnerJSON.encode(transaction))
        switch answer {
        case .response(let status, _, let body) where (200...202).contains(status):
            guard let object = PartnerJSON.object(body) else { return .unknown(reason: "an answer that is not JSON") }
            if object["transactionStatus"] != nil { return Self.outcome(transaction: object) }
            // A request state: pending until the callback or an inquiry says otherwise.
            switch object["status"] as? String {
            case "failed": return .rejected(reason: Self.errorReason(object["error"] as? [String: Any] ?? object))
            case "completed":
                if let reference = object["objectReference"] as? String, !reference.isEmpty { return .paid(reference: reference) }
                return .pending
            default: return .pending
            }
        case .response(let status, _, let body):
            return Self.failure(status, body)
        case .notSent(let reason):
            return .busy(reason: reason)
        case .noAnswer(let reason):
            return .unknown(reason: reason)
        }
    }

    public func status(_ instruction: PayoutInstruction) async -> PayoutOutcome {
        let correlationId = Self.correlationId(instruction.idempotencyKey)
        let response = await http.call(.GET, "/responses/\(correlationId)", headers: headers(UUID().uuidString.lowercased()))
        let link: String
        switch response {
        case .response(200, _, let body):
            guard let object = PartnerJSON.object(body), let found = object["link"] as? String, found.hasPrefix("/") else {
                return .unknown(reason: "a response without a link")
            }
            link = found
        case .response(404, _, _):
            // The provider never received the transaction under this id: it was not paid, and
            // the same id cannot be paid later without the gateway sending it again.
            return .rejected(reason: "the partner has no transaction under this correlation id")
        case .response(let status, _, let body):
            let outcome = Self.failure(status, body)
            if case .rejected(let reason) = outcome { return .unknown(reason: "inquiry refused: \(reason)") }
            return outcome
        case .notSent(let reason):
            return .busy(reason: reason)
        case .noAnswer(let reason):
            return .unknown(reason: reason)
        }
        guard link.hasPrefix("/transactions/") else { return .pending }  // a request state: not done yet
        switch await http.call(.GET, link, headers: headers(UUID().uuidString.lowercased())) {
        case .response(200, _, let body):
            guard let object = PartnerJSON.object(body) else { return .unknown(reason: "an answer that is not JSON") }
            return Self.outcome(transaction: object)
        case .response(let status, _, _):
            return .unknown(reason: "HTTP \(status) for \(link)")
        case .notSent(let reason):
            return .busy(reason: reason)
        case .noAnswer(let reason):
            return .unknown(reason: reason)
        }
    }

    /// `GET /heartbeat`: `serviceStatus` available, degraded or unavailable.
    public func checkHealth() async -> PartnerHealthCheck {
        switch await http.call(.GET, "/heartbeat", headers: headers(UUID().uuidString.lowercased())) {
        case .response(200, _, let body):
            switch PartnerJSON.object(body)?["serviceStatus"] as? String {
            case "available": return PartnerHealthCheck(.up, "heartbeat: available")
            case "degraded": return PartnerHealthCheck(.degraded, "heartbeat: degraded")
            case let other: return PartnerHealthCheck(.down, "heartbeat: \(other ?? "no serviceStatus")")
            }
        case .response(let status, _, _): return PartnerHealthCheck(.down, "heartbeat: HTTP \(status)")
        case .notSent(let reason), .noAnswer(let reason): return PartnerHealthCheck(.down, reason)
        }
    }

    /// The callback is the completed transaction, or an error object.
    public func callbackOutcome(idempotencyKey: String, body: [UInt8]) -> PayoutOutcome? {
        guard let object = PartnerJSON.object(body) else { return nil }
        if object["transactionStatus"] != nil { return Self.outcome(transaction: object) }
        if object["errorCategory"] != nil { return .rejected(reason: Self.errorReason(object)) }
        return nil
    }

    /// A transaction object's status as an outcome.
    static func outcome(transaction object: [String: Any]) -> PayoutOutcome {
        let status = (object["transactionStatus"] as? String ?? "").lowercased()
        switch status {
        case "completed", "success", "successful":
            let reference = object["transactionReference"] as? String ?? ""
            return reference.isEmpty ? .unknown(reason: "completed without a transactionReference") : .paid(reference: reference)
        case "failed", "rejected", "declined", "cancelled":
            return .rejected(reason: "transactionStatus \(status)")
        case "reversed":
            return .reversed(reason: "transactionStatus reversed")
        default:
            return .pending
        }
    }

    /// An HTTP failure as an outcome: what the GSMA's error categories and the status say.
    static func failure(_ status: Int, _ body: [UInt8]) -> PayoutOutcome {
        let error = PartnerJSON.object(body)
        switch status {
        case 401, 403: return .busy(reason: "HTTP \(status): credentials refused")
        case 429, 503: return .busy(reason: "HTTP \(status)")
        // A conflict may be the same correlation id already at work: ask, never assume.
        case 409: return .unknown(reason: "HTTP 409: \(error.map(errorReason) ?? "conflict")")
        case 400, 404, 422:
            guard let error, error["errorCategory"] != nil else { return .busy(reason: "HTTP \(status) without a GSMA error") }
            // Internal and service errors say nothing about the payout itself.
            if ["internal", "serviceUnavailable"].contains(error["errorCategory"] as? String ?? "") {
                return .unknown(reason: errorReason(error))
            }
            return .rejected(reason: errorReason(error))
        default:
            return .unknown(reason: "HTTP \(status)")
        }
    }

    static func errorReason(_ error: [String: Any]) -> String {
        let category = error["errorCategory"] as? String ?? "error"
        let code = error["errorCode"] as? String ?? ""
        let description = error["errorDescription"] as? String ?? ""
        return String("\(category) \(code) \(description)".prefix(200))
    }
}

/// RFC 7231 dates for `X-Date`.
enum HTTPDate {
    static func now() -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return formatter.string(from: Date())
    }
}
