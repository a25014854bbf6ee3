import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// Sends a signed callback as a partner would (`CallbackSignature`): for the simulated partner.
enum CallbackSender {
    /// The gateway's status code, or nil if it could not be reached.
    static func send(to url: String, body: [UInt8], secret: [UInt8]) async -> Int? {
        guard let path = URL(string: url)?.path else { return nil }
        let timestamp = Int64(Date().timeIntervalSince1970)
        var request = HTTPClientRequest(url: url)
        request.method = .PUT
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "X-Remit-Timestamp", value: String(timestamp))
        request.headers.add(name: "X-Remit-Signature",
                            value: CallbackSignature.sign(secret: secret, timestamp: timestamp, method: "PUT", path: path, body: body))
        request.body = .bytes(ByteBuffer(bytes: body))
        guard let response = try? await PartnerHTTP.client.execute(request, timeout: .seconds(10)) else { return nil }
        _ = try? await response.body.collect(upTo: 1 << 16)
        return Int(response.status.code)
    }
}
