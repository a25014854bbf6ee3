import Foundation
import NIOHTTP1
import Synchronization

/// A mobile-money provider's GSMA Mobile Money API v1.2 (international transfers) on loopback:
/// quotations, transactions under `X-CorrelationID` (a repeat gets the original answer), the
/// responses API for inquiries, and callbacks to `X-Callback-URL`, signed. It keeps its own
/// record of what it paid, so a test can check that no payout was made twice, and it can be told
/// to fail, stall, answer late, drop the connection, or call back twice.
public final class MobileMoneyServer: Sendable {
    public typealias Fault = PartnerFault

    public struct Transaction: Sendable {
        public var reference: String
        public var key: String
        public var amount: String
        public var currency: String
        public var msisdn: String
        public var status: String
        public var callbackURL: String?
        /// The names the KYC blocks carried.
        public var senderName: String?
        public var recipientName: String?
    }

    struct State {
        var transactions: [String: Transaction] = [:]  // by correlation id
        var quotations: [String: String] = [:]
        var paid: [String: Int] = [:]  // by the gateway's key
        var faults: [Fault] = []
        var calls: [String] = []
        var callbackAnswers: [Int?] = []
        var asynchronous = false
        var callbackDelayMs = 50
        var duplicateCallbacks = false
        var closedAccounts: Set<String> = []
        var quoteShortBy = 0
        var down = false
        var answerDelayMs = 0
    }

    private let state = Mutex(State())
    public let signer: CallbackSigner
    private let serverBox = Mutex<LoopbackHTTPServer?>(nil)
    private var server: LoopbackHTTPServer { serverBox.withLock { $0! } }

    public static func start(secret: [UInt8] = Array("mobile-money-callback-secret-0001".utf8)) async throws
        -> MobileMoneyServer
    {
        let partner = MobileMoneyServer(signer: CallbackSigner(secret: secret))
        let server = try await LoopbackHTTPServer.start { [partner] request in await partner.handle(request) }
        partner.serverBox.withLock { $0 = server }
        return partner
    }

    private init(signer: CallbackSigner) { self.signer = signer }

    public var baseURL: String { server.baseURL }
    public var port: Int { server.port }
    public func stop() async { await server.stop() }

    // MARK: what a test tells it

    public func inject(_ faults: Fault...) { state.withLock { $0.faults += faults } }
    /// Answer 202 and complete by callback after `delayMs`, twice when `duplicate`.
    public func answerByCallback(delayMs: Int = 50, duplicate: Bool = false) {
        state.withLock {
            $0.asynchronous = true
            $0.callbackDelayMs = delayMs
            $0.duplicateCallbacks = duplicate
        }
    }
    /// Back to paying and answering at once, with one callback-free answer per request.
    public func answerAtOnce() {
        state.withLock {
            $0.asynchronous = false
            $0.duplicateCallbacks = false
            $0.answerDelayMs = 0
        }
    }
    public func closeAccount(_ msisdn: String) { _ = state.withLock { $0.closedAccounts.insert(msisdn) } }
    /// Quote this many minor units less than asked.
    public func quoteShort(by units: Int) { state.withLock { $0.quoteShortBy = units } }
    /// Refuse every request with 503.
    public func setDown(_ down: Bool) { state.withLock { $0.down = down } }

    public var paidCounts: [String: Int] { state.withLock { $0.paid } }
    /// Pay at once, then wait `ms` before answering: the window in which the provider has paid
    /// and the gateway does not know it yet.
    public func answerAfterPaying(delayMs: Int) { state.withLock { $0.answerDelayMs = delayMs } }

    public var calls: [String] { state.withLock { $0.calls } }
    public var callbackAnswers: [Int?] { state.withLock { $0.callbackAnswers } }
    public var transactions: [Transaction] { state.withLock { Array($0.transactions.values) } }

    // MARK: the API

    func handle(_ request: HTTPRequest) async -> HTTPReply {
        let correlationId = request.headers.first(name: "X-CorrelationID") ?? ""
        let down = state.withLock {
            $0.calls.append("\(request.method.rawValue) \(request.path)")
            return $0.down
        }
        if down { return error(503, "serviceUnavailable", "serviceUnavailable", "maintenance") }
        switch (request.method, request.path) {
        case (.POST, "/quotations"):
            return quotation(request)
        case (.POST, "/transactions/type/inttransfer"):
            guard !correlationId.isEmpty else { return error(400, "validation", "formatError", "X-CorrelationID is required") }
            return await transaction(request, correlationId)
        case (.GET, let path) where path.hasPrefix("/responses/"):
            let id = String(path.dropFirst("/responses/".count))
            guard let found = state.withLock({ $0.transactions[id] }) else {
                return error(404, "identification", "genericError", "no request with this correlation id")
            }
            return json(200, ["link": "/transactions/\(found.reference)"])
        case (.GET, let path) where path.hasPrefix("/transactions/"):
            let reference = String(path.dropFirst("/transactions/".count))
            guard let found = state.withLock({ $0.transactions.values.first { $0.reference == reference } }) else {
                return error(404, "identification", "genericError", "no such transaction")
            }
            return json(200, object(found))
        case (.GET, "/heartbeat"):
            return json(200, ["serviceStatus": "available"])
        default:
            return error(404, "validation", "genericError", "no such resource")
        }
    }

    func quotation(_ request: HTTPRequest) -> HTTPReply {
        guard let body = try? JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any],
              let amount = body["requestAmount"] as? String, let currency = body["requestCurrency"] as? String,
              body["type"] as? String == "inttransfer"
        else { return error(400, "validation", "formatError", "requestAmount, requestCurrency and type are required") }
        let short = state.withLock { $0.quoteShortBy }
        var receiving = amount
        if short > 0, let value = Decimal(string: amount) {
            receiving = "\(value - Decimal(short) / 100)"
        }
        let reference = "QR-\(UUID().uuidString.prefix(8))"
        state.withLock { $0.quotations[reference] = amount }
        return json(201, ["quotationReference": reference, "quotationStatus": "completed", "requestAmount": amount,
                          "requestCurrency": currency,
                          "quotes": [["quoteId": "Q-\(reference)", "receivingAmount": receiving, "receivingCurrency": currency,
                                      "sendingAmount": amount, "sendingCurrency": currency, "fxRate": "1.0"]]])
    }

    func transaction(_ request: HTTPRequest, _ correlationId: String) async -> HTTPReply {
        guard let body = try? JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any],
              let amount = body["amount"] as? String, let currency = body["currency"] as? String,
              let credit = (body["creditParty"] as? [[String: String]])?.first(where: { $0["key"] == "msisdn" })?["value"],
              let key = body["requestingOrganisationTransactionReference"] as? String,
              let international = body["internationalTransferInformation"] as? [String: Any],
              international["quoteId"] as? String != nil
        else { return error(400, "validation", "formatError", "amount, currency, creditParty msisdn, quoteId are required") }
        // A repeat of a correlation id gets the original answer: never a second payout.
        if let existing = state.withLock({ $0.transactions[correlationId] }) {
            return existing.status == "pending" ? accepted(existing) : json(201, object(existing))
        }
        let fault = state.withLock { $0.faults.isEmpty ? nil : $0.faults.removeFirst() }
        if case .reply(let status, let text) = fault { return .respond(status: status, body: Array(text.utf8)) }
        if case .stall = fault { return .stall }
        if state.withLock({ $0.closedAccounts.contains(credit) }) {
            return error(422, "businessRule", "accountNotFound", "the recipient's wallet is closed")
        }
        let asynchronous = state.withLock { $0.asynchronous }
        let transaction = Transaction(reference: "MM\(UInt32.random(in: 100_000...999_999))", key: key, amount: amount,
                                      currency: currency, msisdn: credit, status: asynchronous ? "pending" : "completed",
                                      callbackURL: request.headers.first(name: "X-Callback-URL"),
                                      senderName: ((body["senderKyc"] as? [String: Any])?["subjectName"] as? [String: Any])?["fullName"] as? String,
                                      recipientName: ((body["recipientKyc"] as? [String: Any])?["subjectName"] as? [String: Any])?["fullName"] as? String)
        state.withLock {
            $0.transactions[correlationId] = transaction
            if !asynchronous { $0.paid[key, default: 0] += 1 }
        }
        if asynchronous {
            let (delay, twice) = state.withLock { ($0.callbackDelayMs, $0.duplicateCallbacks) }
            var completed = transaction
            completed.status = "completed"
            let done = completed
            Task {
                try? await Task.sleep(for: .milliseconds(delay))
                self.state.withLock {
                    $0.transactions[correlationId]?.status = "completed"
                    $0.paid[key, default: 0] += 1
                }
                await self.callBack(done)
                if twice { await self.callBack(done) }
            }
        }
        let answer: HTTPReply = asynchronous ? accepted(transaction) : json(201, object(transaction))
        let delay = state.withLock { $0.answerDelayMs }
        if delay > 0 { try? await Task.sleep(for: .milliseconds(delay)) }
        return fault?.deliver(answer) ?? answer
    }

    /// Sends the transaction's final state to its callback URL, signed.
    public func callBack(_ transaction: Transaction) async {
        let status = await callBack(transaction, status: transaction.status)
        state.withLock { $0.callbackAnswers.append(status) }
    }

    /// Reverses a completed transaction (the money comes back from the recipient's wallet) and
    /// tells the gateway by callback; returns the gateway's HTTP status.
    public func reverse(_ transaction: Transaction) async -> Int? {
        let known = state.withLock { state -> Bool in
            guard let id = state.transactions.first(where: { $0.value.key == transaction.key })?.key else { return false }
            state.transactions[id]?.status = "reversed"
            return true
        }
        guard known else { return nil }
        return await callBack(transaction, status: "reversed")
    }

    /// Sends a callback for `transaction` saying `status` ("completed", "reversed", …), signed by
    /// `signer` (default: this provider's own); returns the gateway's HTTP status.
    public func callBack(_ transaction: Transaction, status: String, signer: CallbackSigner? = nil) async -> Int? {
        guard let url = transaction.callbackURL else { return nil }
        var told = transaction
        told.status = status
        let body = Array((try? JSONSerialization.data(withJSONObject: object(told), options: [.sortedKeys])) ?? Data())
        return await (signer ?? self.signer).send(.PUT, to: url, body: body)
    }

    func accepted(_ transaction: Transaction) -> HTTPReply {
        json(202, ["serverCorrelationId": UUID().uuidString.lowercased(), "status": "pending", "notificationMethod": "callback",
                   "objectReference": transaction.reference])
    }

    func object(_ t: Transaction) -> [String: Any] {
        ["transactionReference": t.reference, "requestingOrganisationTransactionReference": t.key, "amount": t.amount,
         "currency": t.currency, "type": "inttransfer", "transactionStatus": t.status,
         "creditParty": [["key": "msisdn", "value": t.msisdn]]]
    }

    func json(_ status: Int, _ object: [String: Any]) -> HTTPReply {
        .respond(status: status, body: Array((try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()))
    }

    func error(_ status: Int, _ category: String, _ code: String, _ description: String) -> HTTPReply {
        json(status, ["errorCategory": category, "errorCode": code, "errorDescription": description,
                      "errorDateTime": ISO8601DateFormatter().string(from: Date())])
    }
}
