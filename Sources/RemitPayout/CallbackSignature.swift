import Crypto
import Foundation

/// Partners sign their callbacks: HMAC-SHA256, keyed with the partner's secret, over
///
/// ```
/// <X-Remit-Timestamp>\n<METHOD>\n<path>\n<body>
/// ```
///
/// sent as `X-Remit-Signature: sha256=<64 hex digits>`, with `X-Remit-Timestamp` in Unix seconds.
/// The path is signed so that a body cannot be replayed against another payout's URL; the
/// timestamp, so that a captured callback is refused once it is older than the window. Within
/// the window a replay changes nothing: a leg's outcome is recorded once.
public enum CallbackSignature {
    public enum Verdict: Equatable, Sendable {
        case valid
        case missing
        case malformed
        case outsideWindow(skewSeconds: Int64)
        case mismatch
    }

    public static func sign(secret: [UInt8], timestamp: Int64, method: String, path: String, body: [UInt8]) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: message(timestamp, method, path, body), using: SymmetricKey(data: secret))
        return "sha256=" + mac.map { String(format: "%02x", $0) }.joined()
    }

    public static func verify(secret: [UInt8], timestamp: String?, signature: String?, method: String, path: String,
                              body: [UInt8], now: Int64, windowSeconds: Int64) -> Verdict {
        guard let timestamp, let signature else { return .missing }
        guard timestamp.utf8.count <= 12, let time = Int64(timestamp), signature.hasPrefix("sha256="),
              let mac = hex(signature.dropFirst(7)), mac.count == 32
        else { return .malformed }
        let skew = now - time
        guard skew.magnitude <= windowSeconds else { return .outsideWindow(skewSeconds: skew) }
        // In constant time: how many leading bytes match must not show in the time taken.
        guard HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: message(time, method, path, body),
                                                     using: SymmetricKey(data: secret))
        else { return .mismatch }
        return .valid
    }

    static func message(_ timestamp: Int64, _ method: String, _ path: String, _ body: [UInt8]) -> [UInt8] {
        Array("\(timestamp)\n\(method)\n\(path)\n".utf8) + body
    }

    static func hex(_ text: Substring) -> [UInt8]? {
        let digits = Array(text.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        for index in stride(from: 0, to: digits.count, by: 2) {
            guard let high = nibble(digits[index]), let low = nibble(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
        }
        return bytes
    }

    static func nibble(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
