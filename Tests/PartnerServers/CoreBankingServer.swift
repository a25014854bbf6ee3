import Foundation
import NIOHTTP1
import Synchronization

/// A microfinance institution's core banking REST API on loopback, shaped like Apache
/// Fineract's: savings deposits and loan repayments under `Idempotency-Key` (a repeat gets the
/// stored answer, marked `x-served-from-cache`; a repeat while the first is still at work gets
/// `409`), basic authentication and a tenant header, Fineract's error bodies. It keeps its own
/// record of what it applied, and can be told to fail, stall, answer late or drop.
public final class CoreBankingServer: Sendable {
    public typealias Fault = PartnerFault

    struct Account {
        var active = true
        var balance: Decimal = 0
    }

    struct State {
        var savings: [String: Account] = [:]
        var loans: [String: Decimal] = [:]  // outstanding
        var stored: [String: (Int, [UInt8])] = [:]
        var working: Set<String> = []
        var applied: [String: Int] = [:]
        var faults: [Fault] = []
        var calls: [String] = []
        var nextId = 1_000
    }

    public let username: String, password: String, tenant: String
    private let state = Mutex(State())
    private let serverBox = Mutex<LoopbackHTTPServer?>(nil)

    public static func start(username: String = "remit", password: String = "s3cret-core", tenant: String = "default")
        async throws -> CoreBankingServer
    {
        let mfi = CoreBankingServer(username: username, password: password, tenant: tenant)
        let server = try await LoopbackHTTPServer.start { [mfi] request in await mfi.handle(request) }
        mfi.serverBox.withLock { $0 = server }
        return mfi
    }

    private init(username: String, password: String, tenant: String) {
        self.username = username
        self.password = password
        self.tenant = tenant
    }

    /// Up to the API version, as the adapter's `base_url`.
    public var baseURL: String { serverBox.withLock { $0!.baseURL } + "/fineract-provider/api/v1" }
    public func stop() async { await serverBox.withLock { $0! }.stop() }

    public func openSavings(_ id: String, active: Bool = true) { state.withLock { $0.savings[id] = Account(active: active) } }
    public func openLoan(_ id: String, outstanding: Decimal) { state.withLock { $0.loans[id] = outstanding } }
    public func inject(_ faults: Fault...) { state.withLock { $0.faults += faults } }

    public var appliedCounts: [String: Int] { state.withLock { $0.applied } }
    public var calls: [String] { state.withLock { $0.calls } }
    public func balance(_ savings: String) -> Decimal? { state.withLock { $0.savings[savings]?.balance } }
    public func outstanding(_ loan: String) -> Decimal? { state.withLock { $0.loans[loan] } }

    func handle(_ request: HTTPRequest) async -> HTTPReply {
        state.withLock { $0.calls.append("\(request.method.rawValue) \(request.path)?command=\(request.query["command"] ?? "")") }
        let expected = "Basic " + Data("\(username):\(password)".utf8).base64EncodedString()
        guard request.headers.first(name: "Authorization") == expected,
              request.headers.first(name: "Fineract-Platform-TenantId") == tenant
        else {
            return error(401, "error.msg.not.authenticated", "Invalid authentication details were passed in api request.")
        }
        if request.method == .GET, request.path == "/fineract-provider/api/v1/paymenttypes" {
            return .respond(status: 200, body: Array(#"[{"id":1,"name":"Remittance","isCashPayment":false}]"#.utf8))
        }
        let parts = request.path.split(separator: "/").map(String.init)
        // fineract-provider / api / v1 / {savingsaccounts|loans} / {id} / transactions
        guard request.method == .POST, parts.count == 6, parts[0] == "fineract-provider", parts[5] == "transactions"
        else { return error(404, "error.msg.resource.not.found", "Unsupported resource") }
        let (resource, account, command) = (parts[3], parts[4], request.query["command"] ?? "")
        guard let key = request.headers.first(name: "Idempotency-Key"), !key.isEmpty else {
            return error(400, "validation.msg.idempotency.key.required", "Idempotency-Key is required")
        }
        // The idempotency store answers repeats; a repeat of a request still at work is a conflict.
        let seen: HTTPReply? = state.withLock { state in
            if let (status, body) = state.stored[key] {
                return .respond(status: status, body: body, headers: [("x-served-from-cache", "true")])
            }
            if state.working.contains(key) { return error(409, "error.msg.idempotent.request.in.progress", "in progress") }
            state.working.insert(key)
            return nil
        }
        if let seen { return seen }
        let fault = state.withLock { $0.faults.isEmpty ? nil : $0.faults.removeFirst() }
        if case .reply(let status, let text) = fault {
            state.withLock { _ = $0.working.remove(key) }
            return .respond(status: status, body: Array(text.utf8))
        }
        // Stuck mid-way: the key stays at work, so a repeat meets 409.
        if case .stall = fault { return .stall }
        guard let body = try? JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any],
              let amountText = body["transactionAmount"] as? String, let amount = Decimal(string: amountText), amount > 0,
              body["transactionDate"] as? String != nil, body["dateFormat"] as? String != nil, body["locale"] as? String != nil
        else {
            return finish(key, error(400, "validation.msg.validation.errors.exist", "transactionAmount, transactionDate, dateFormat and locale are required"))
        }
        let reply: HTTPReply = state.withLock { state in
            switch (resource, command) {
            case ("savingsaccounts", "deposit"):
                guard var savings = state.savings[account] else {
                    return error(404, "error.msg.saving.account.id.invalid", "Savings account with identifier \(account) does not exist")
                }
                guard savings.active else {
                    return error(403, "error.msg.savingsaccount.transaction.account.is.not.active",
                                 "Transaction is not allowed. Account is not active.")
                }
                savings.balance += amount
                state.savings[account] = savings
            case ("loans", "repayment"):
                guard let outstanding = state.loans[account] else {
                    return error(404, "error.msg.loan.id.invalid", "Loan with identifier \(account) does not exist")
                }
                guard amount <= outstanding else {
                    return error(403, "error.msg.loan.transaction.cannot.be.more.than.outstanding",
                                 "The repayment is more than the loan's outstanding balance")
                }
                state.loans[account] = outstanding - amount
            default:
                return error(400, "error.msg.command.unsupported", "Unsupported command \(command)")
            }
            state.applied[key, default: 0] += 1
            state.nextId += 1
            return json(200, ["officeId": 1, "clientId": 7, resource == "loans" ? "loanId" : "savingsId": account,
                              "resourceId": state.nextId, "changes": ["transactionAmount": amountText]])
        }
        let answer = finish(key, reply)
        return fault?.deliver(answer) ?? answer
    }

    /// Stores the answer under the key, as Fineract's idempotency store does, and returns it.
    func finish(_ key: String, _ reply: HTTPReply) -> HTTPReply {
        state.withLock {
            $0.working.remove(key)
            if case .respond(let status, let body, _) = reply { $0.stored[key] = (status, body) }
        }
        return reply
    }

    func json(_ status: Int, _ object: [String: Any]) -> HTTPReply {
        .respond(status: status, body: Array((try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()))
    }

    func error(_ status: Int, _ code: String, _ message: String) -> HTTPReply {
        json(status, ["developerMessage": message, "httpStatusCode": String(status), "defaultUserMessage": message,
                      "userMessageGlobalisationCode": status == 403 ? "validation.msg.domain.rule.violation" : code,
                      "errors": [["developerMessage": message, "defaultUserMessage": message,
                                  "userMessageGlobalisationCode": code]]])
    }
}
