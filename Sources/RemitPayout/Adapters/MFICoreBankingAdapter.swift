import Foundation
import NIOHTTP1
import RemitDomain

/// Pays product legs into a microfinance institution's core banking system through a REST API
/// shaped like Apache Fineract's: a deposit to a savings account (savings, insurance premiums,
/// education funds, pensions, group savings) or a repayment of a loan.
///
/// ```
/// POST {base}/savingsaccounts/{account}/transactions?command=deposit
/// POST {base}/loans/{account}/transactions?command=repayment
/// Fineract-Platform-TenantId: default   Authorization: Basic …   Idempotency-Key: ACME-…-1
/// {"transactionDate": "23 November 2026", "dateFormat": "dd MMMM yyyy", "locale": "en",
///  "transactionAmount": "3075.73", "paymentTypeId": 1, "receiptNumber": "ACME-…-1", "note": "…"}
/// ```
///
/// Every call carries the leg's key as `Idempotency-Key`, so the institution applies a payout
/// once however often it is sent; an inquiry sends the same request again and reads the stored
/// answer (`409` while the first is still being processed: pending). A `200` with a
/// `resourceId` is paid; `403` (a business rule: account closed, loan paid off) and `404` (no
/// such account) refuse; `400` refuses as invalid; `401`, `429` and `503` are busy; other `5xx`
/// and silence are unknown.
public struct MFICoreBankingAdapter: PartnerAdapter {
    public struct Settings: Sendable {
        /// Up to and including the API version: `https://mfi.example/fineract-provider/api/v1`.
        public var baseURL: String
        public var tenant: String
        public var username: String
        public var password: String
        public var paymentTypeId: Int
        public var timeoutMs: Int64

        public init(baseURL: String, tenant: String = "default", username: String, password: String, paymentTypeId: Int = 1,
                    timeoutMs: Int64 = 10_000) {
            self.baseURL = baseURL
            self.tenant = tenant
            self.username = username
            self.password = password
            self.paymentTypeId = paymentTypeId
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

    /// The products an MFI core banking system takes, and where each goes.
    public static let products: [String: (resource: String, command: String)] = [
        "savingsDeposit": ("savingsaccounts", "deposit"),
        "insurancePremium": ("savingsaccounts", "deposit"),
        "educationFund": ("savingsaccounts", "deposit"),
        "pensionContribution": ("savingsaccounts", "deposit"),
        "rotatingSavings": ("savingsaccounts", "deposit"),
        "accountCredit": ("savingsaccounts", "deposit"),
        "loanRepayment": ("loans", "repayment"),
    ]

    public func submit(_ instruction: PayoutInstruction) async -> PayoutOutcome {
        await post(instruction)
    }

    /// An authenticated read of the institution's payment types: it answers, and it takes the
    /// gateway's credentials.
    public func checkHealth() async -> PartnerHealthCheck {
        switch await http.call(.GET, "/paymenttypes", headers: authorisation) {
        case .response(200, _, _): return PartnerHealthCheck(.up, "payment types read")
        case .response(401, _, _): return PartnerHealthCheck(.down, "credentials refused (HTTP 401)")
        case .response(let status, _, _): return PartnerHealthCheck(.down, "HTTP \(status)")
        case .notSent(let reason), .noAnswer(let reason): return PartnerHealthCheck(.down, reason)
        }
    }

    var authorisation: [(String, String)] {
        let credentials = Data("\(settings.username):\(settings.password)".utf8).base64EncodedString()
        return [("Fineract-Platform-TenantId", settings.tenant), ("Authorization", "Basic \(credentials)")]
    }

    /// The same request again: the institution answers from its idempotency store.
    public func status(_ instruction: PayoutInstruction) async -> PayoutOutcome {
        await post(instruction)
    }

    func post(_ instruction: PayoutInstruction) async -> PayoutOutcome {
        guard let target = Self.products[instruction.product] else {
            return .rejected(reason: "\(instruction.product) is not a core banking product")
        }
        // The account goes into the path: letters, digits, - and _ only.
        guard !instruction.account.isEmpty, instruction.account.utf8.count <= 64,
              instruction.account.utf8.allSatisfy({ $0 < 0x80 && (Character(UnicodeScalar($0)).isLetter
                  || Character(UnicodeScalar($0)).isNumber || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_")) })
        else { return .rejected(reason: "account \(instruction.account) cannot name a core banking account") }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "dd MMMM yyyy"
        let body: [String: Any] = [
            "transactionDate": formatter.string(from: Date()), "dateFormat": "dd MMMM yyyy", "locale": "en",
            "transactionAmount": instruction.amount.formatted, "paymentTypeId": settings.paymentTypeId,
            "receiptNumber": instruction.idempotencyKey, "note": "remittance \(instruction.product) \(instruction.idempotencyKey)",
        ]
        let answer = await http.call(
            .POST, "/\(target.resource)/\(instruction.account)/transactions?command=\(target.command)",
            headers: authorisation + [("Idempotency-Key", instruction.idempotencyKey)],
            json: PartnerJSON.encode(body))
        switch answer {
        case .response(200, _, let body):
            guard let object = PartnerJSON.object(body), let resource = object["resourceId"] else {
                return .unknown(reason: "200 without a resourceId")
            }
            return .paid(reference: "\(target.resource == "loans" ? "LOAN" : "SAV")-\(resource)")
        case .response(409, _, _):
            return .pending
        case .response(let status, _, let body) where [400, 403, 404].contains(status):
            let error = PartnerJSON.object(body)
            // The first error names the rule; the top-level code is often only "domain rule violation".
            let code = ((error?["errors"] as? [[String: Any]])?.first?["userMessageGlobalisationCode"] as? String)
                ?? (error?["userMessageGlobalisationCode"] as? String) ?? "HTTP \(status)"
            return .rejected(reason: String(code.prefix(200)))
        case .response(let status, _, _) where [401, 429, 503].contains(status):
            return .busy(reason: "HTTP \(status)")
        case .response(let status, _, _):
            return .unknown(reason: "HTTP \(status)")
        case .notSent(let reason):
            return .busy(reason: reason)
        case .noAnswer(let reason):
            return .unknown(reason: reason)
        }
    }
}
