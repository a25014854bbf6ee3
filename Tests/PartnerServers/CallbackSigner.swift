import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore
import NIOHTTP1

/// Sends a partner's callback to the gateway the way docs/partners.md specifies it, written here
/// independently of the gateway's own verifier: HMAC-SHA256 over the timestamp, the method, the
/// path and the body, in `X-Remit-Timestamp` and `X-Remit-Signature: sha256=<hex>`.
public struct CallbackSigner: Sendable {
    public var secret: [UInt8]

    public init(secret: [UInt8]) { self.secret = secret }

    public func signature(timestamp: Int64, method: String, path: String, body: [UInt8]) -> String {
        let message = Array("\(timestamp)\n\(method)\n\(path)\n".utf8) + body
        let mac = HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: secret))
        return "sha256=" + mac.map { String(format: "%02x", $0) }.joined()
    }

    /// Sends it; the gateway's status code, or nil if it could not be reached.
    @discardableResult
    public func send(_ method: HTTPMethod = .PUT, to url: String, body: [UInt8], timestamp: Int64? = nil,
                     signature override: String? = nil) async -> Int? {
        let time = timestamp ?? Int64(Date().timeIntervalSince1970)
        guard let path = URL(string: url)?.path else { return nil }
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "X-Remit-Timestamp", value: String(time))
        request.headers.add(name: "X-Remit-Signature",
                            value: override ?? signature(timestamp: time, method: method.rawValue, path: path, body: body))
        request.body = .bytes(ByteBuffer(bytes: body))
        guard let response = try? await HTTPClient.shared.execute(request, timeout: .seconds(10)) else { return nil }
        _ = try? await response.body.collect(upTo: 1 << 16)
        return Int(response.status.code)
    }
}
