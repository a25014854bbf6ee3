import RemitPayout
import XCTest

final class CallbackSignatureTests: XCTestCase {
    let secret = Array("a-partner-secret-of-at-least-32-bytes".utf8)
    let body = Array(#"{"status":"paid","reference":"MM1"}"#.utf8)

    func verify(_ signature: String?, timestamp: String? = "1795435200", path: String = "/callbacks/P/K",
                body: [UInt8]? = nil, now: Int64 = 1_795_435_200) -> CallbackSignature.Verdict {
        CallbackSignature.verify(secret: secret, timestamp: timestamp, signature: signature, method: "PUT", path: path,
                                 body: body ?? self.body, now: now, windowSeconds: 300)
    }

    func testWhatIsSignedIsTheTimeTheMethodThePathAndTheBody() {
        let signature = CallbackSignature.sign(secret: secret, timestamp: 1_795_435_200, method: "PUT", path: "/callbacks/P/K",
                                               body: body)
        XCTAssertTrue(signature.hasPrefix("sha256=") && signature.count == 71)
        XCTAssertEqual(verify(signature), .valid)
        XCTAssertEqual(verify(signature.uppercased().replacingOccurrences(of: "SHA256=", with: "sha256=")), .valid)
        XCTAssertEqual(verify(signature, path: "/callbacks/P/OTHER"), .mismatch, "not replayable on another payout")
        XCTAssertEqual(verify(signature, body: body + [0x20]), .mismatch)
        XCTAssertEqual(verify(signature, timestamp: "1795435201", now: 1_795_435_201), .mismatch)
        XCTAssertEqual(verify(signature, now: 1_795_435_200 + 301), .outsideWindow(skewSeconds: 301))
        XCTAssertEqual(verify(signature, now: 1_795_435_200 - 301), .outsideWindow(skewSeconds: -301))
        XCTAssertEqual(verify(signature, now: 1_795_435_200 + 300), .valid)
        XCTAssertEqual(verify(nil), .missing)
        XCTAssertEqual(verify(signature, timestamp: nil), .missing)
        for bad in ["sha256=zz", "sha1=" + String(signature.dropFirst(7)), "sha256=" + String(signature.dropFirst(8)), ""] {
            XCTAssertEqual(verify(bad), .malformed, bad)
        }
        XCTAssertEqual(verify(signature, timestamp: "soon"), .malformed)
        XCTAssertEqual(verify(signature, timestamp: "99999999999999999999"), .malformed)
    }
}
