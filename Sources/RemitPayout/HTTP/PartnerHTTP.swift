import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// What came of one HTTP call to a partner, in the terms that decide whether a payout may have
/// happened: an answer, a request that certainly never reached the partner, or silence after it
/// may have.
public enum PartnerHTTPAnswer: Sendable {
    case response(status: Int, headers: HTTPHeaders, body: [UInt8])
    /// Not sent: the connection was refused or could not be made in time.
    case notSent(String)
    /// Sent, or perhaps sent, and no answer: a timeout, a connection closed mid-way.
    case noAnswer(String)
}

/// A partner's HTTP endpoint. Calls go through one client for the process, with a short connect
/// timeout (a refused connection must not eat the whole call's time: a partner that is down is
/// busy, and the next partner can be tried), a deadline per call, a bounded response body, and
/// errors sorted into "not sent" and "no answer", which the adapters turn into busy and unknown.
public struct PartnerHTTP: Sendable {
    public let baseURL: String
    let timeout: TimeAmount

    /// Partners' answers are small JSON documents: a larger one is an error, not a memory bill.
    public static let maxResponseBytes = 1 << 20

    /// Lives as long as the process, so it is never shut down while a call is under way.
    static let client: HTTPClient = {
        var configuration = HTTPClient.Configuration(timeout: .init(connect: .seconds(2)))
        configuration.redirectConfiguration = .disallow
        configuration.decompression = .disabled
        return HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, configuration: configuration)
    }()

    public init(baseURL: String, timeoutMs: Int64) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        timeout = .milliseconds(timeoutMs)
    }

    /// One call: `path` is appended to the base URL.
    public func call(_ method: HTTPMethod, _ path: String, headers: [(String, String)] = [], json body: [UInt8]? = nil)
        async -> PartnerHTTPAnswer
    {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.headers.add(name: "Accept", value: "application/json")
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        do {
            let response = try await Self.client.execute(request, timeout: timeout)
            let bytes = try await response.body.collect(upTo: Self.maxResponseBytes)
            return .response(status: Int(response.status.code), headers: response.headers, body: Array(buffer: bytes))
        } catch {
            return Self.classify(error)
        }
    }

    /// Errors that prove the request never left: no connection was made. Anything else may have
    /// reached the partner.
    static func classify(_ error: any Error) -> PartnerHTTPAnswer {
        if let error = error as? HTTPClientError,
           [.connectTimeout, .getConnectionFromPoolTimeout].contains(error) {
            return .notSent("\(error)")
        }
        if error is NIOConnectionError { return .notSent("\(error)") }
        if let error = error as? IOError, [ECONNREFUSED, ENETUNREACH, EHOSTUNREACH].contains(error.errnoCode) {
            return .notSent("\(error)")
        }
        if let error = error as? ChannelError, case .connectTimeout = error { return .notSent("\(error)") }
        return .noAnswer("\(error)")
    }

}

/// JSON bodies for partners' APIs, with the standard library's coders: off the transfer path,
/// where a readable format is worth more than a few microseconds.
enum PartnerJSON {
    static func encode(_ object: [String: Any]) -> [UInt8] {
        Array((try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8))
    }

    static func object(_ bytes: [UInt8]) -> [String: Any]? {
        guard !bytes.isEmpty else { return nil }
        return (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any]
    }

}
