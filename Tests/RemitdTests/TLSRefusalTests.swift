import Foundation
import NIOCore
import RemitClient
import RemitGateway
import RemitProtocol
import XCTest

/// Certificates the gateway must refuse, tried with openssl s_client and with the client: none,
/// one from another CA, an expired one, and a good one from the CA that names no operator.
final class TLSRefusalTests: XCTestCase {
    var daemon: Daemon!
    var folder: URL { daemon.folder }

    override func setUpWithError() throws {
        daemon = try Daemon()
    }

    override func tearDown() {
        daemon?.remove()
    }

    var openssl: String {
        get throws {
            for path in ["/usr/bin/openssl", "/usr/local/bin/openssl"] where FileManager.default.isExecutableFile(atPath: path) {
                return path
            }
            throw XCTSkip("openssl is not installed")
        }
    }

    /// Writes a certificate and key issued by `ca` and returns their paths.
    func issue(_ ca: CertificateAuthority, _ name: String, notBefore: Date = Date().addingTimeInterval(-3_600),
               days: Int = 30) throws -> (certificate: String, key: String) {
        let issued = try ca.issue(commonName: name, usage: .client, notBefore: notBefore, days: days)
        let certificate = folder.appendingPathComponent("\(name)-\(UUID().uuidString).pem").path
        let key = folder.appendingPathComponent("\(name)-\(UUID().uuidString).key").path
        try issued.certificatePEM.write(toFile: certificate, atomically: true, encoding: .utf8)
        try issued.privateKeyPEM.write(toFile: key, atomically: true, encoding: .utf8)
        return (certificate, key)
    }

    func demoCA() throws -> CertificateAuthority {
        try CertificateAuthority.load(certificatePEM: String(contentsOfFile: daemon.path("ca.pem"), encoding: .utf8),
                                      privateKeyPEM: String(contentsOfFile: daemon.path("ca.key"), encoding: .utf8))
    }

    func sClient(_ extra: [String], input: Data = Data()) throws -> (out: Data, text: String) {
        let result = try runProgram(try openssl, ["s_client", "-connect", "127.0.0.1:\(daemon.port)", "-CAfile",
                                                  daemon.path("ca.pem"), "-alpn", "remit/1", "-tls1_3"] + extra,
                                    input: input, holdOpen: 2)
        return (result.out, String(decoding: result.out, as: UTF8.self) + result.err)
    }

    func testOpensslWithoutACertificateIsRefusedInTheHandshake() throws {
        let (_, text) = try sClient([])
        XCTAssertTrue(text.contains("alert certificate required") || text.contains("alert number 116"), text)
    }

    func testOpensslWithACertificateFromAnotherCAIsRefused() throws {
        let stranger = try issue(try CertificateAuthority.create(name: "Some Other CA"), "ACME")
        let (_, text) = try sClient(["-cert", stranger.certificate, "-key", stranger.key])
        XCTAssertTrue(text.contains("unknown ca") || text.contains("alert number 48"), text)
    }

    func testOpensslWithAnExpiredCertificateIsRefused() throws {
        let expired = try issue(try demoCA(), "ACME", notBefore: Date().addingTimeInterval(-40 * 86_400), days: 10)
        let (_, text) = try sClient(["-cert", expired.certificate, "-key", expired.key])
        XCTAssertTrue(text.contains("certificate expired") || text.contains("alert number 45"), text)
    }

    func testOpensslWithAGoodCertificateGetsAWelcome() throws {
        var hello = ByteBuffer()
        try Frame(requestId: 1, message: .hello(Hello(clientName: "openssl"))).encode(into: &hello)
        let (out, text) = try sClient(["-quiet", "-cert", daemon.path("operators/ACME.pem"), "-key",
                                       daemon.path("operators/ACME.key")], input: Data(hello.readableBytesView))
        // The answer's header: magic "RM", version 1, flags 0, type 0x0002 (Welcome).
        XCTAssertNotNil(out.firstRange(of: Data([0x52, 0x4D, 0x01, 0x00, 0x02, 0x00])), text)
        var buffer = ByteBuffer(bytes: out[out.firstRange(of: Data([0x52, 0x4D]))!.lowerBound...])
        let frame = try XCTUnwrap(try Frame.decode(from: &buffer, limits: .default))
        guard case .welcome(let welcome) = frame.message else { return XCTFail("\(frame)") }
        XCTAssertEqual(welcome.operatorId, "ACME")
    }

    /// After Welcome every frame carries the negotiated version; another is a frame error.
    func testAFrameOfAnotherVersionThanNegotiatedIsRefusedAndCloses() throws {
        for (offered, sent) in [(UInt8(1), UInt8(2)), (2, 1)] {
            var bytes = ByteBuffer()
            try Frame(requestId: 1, message: .hello(Hello(minVersion: 1, maxVersion: offered, clientName: "openssl")))
                .encode(into: &bytes)
            try Frame(version: sent, requestId: 2, message: .heartbeat(Heartbeat(sentAt: 1))).encode(into: &bytes)
            let (out, text) = try sClient(["-quiet", "-cert", daemon.path("operators/ACME.pem"), "-key",
                                           daemon.path("operators/ACME.key")], input: Data(bytes.readableBytesView))
            var buffer = ByteBuffer(bytes: out[out.firstRange(of: Data([0x52, 0x4D]))!.lowerBound...])
            let welcome = try XCTUnwrap(try Frame.decode(from: &buffer))
            guard case .welcome(let accepted) = welcome.message else { return XCTFail("\(welcome) \(text)") }
            XCTAssertEqual(accepted.version, offered)
            let error = try XCTUnwrap(try Frame.decode(from: &buffer), text)
            guard case .error(let refusal) = error.message else { return XCTFail("\(error)") }
            XCTAssertEqual(refusal.code, .unsupportedVersion)
            XCTAssertEqual(error.version, offered, "the refusal speaks the negotiated version")
            XCTAssertNil(try Frame.decode(from: &buffer), "nothing after the refusal: the connection closed")
        }
    }

    /// A request id is taken only while its request waits for an answer: once answered, the
    /// client may use it again (PROTOCOL.md section 3). A raw client, one request at a time.
    func testAnAnsweredRequestIdMayBeUsedAgain() throws {
        func hex(_ frame: Frame) throws -> String {
            var buffer = ByteBuffer()
            try frame.encode(into: &buffer)
            return buffer.readableBytesView.map { String(format: "%02x", $0) }.joined()
        }
        let hello = try hex(Frame(requestId: 1, message: .hello(Hello(clientName: "raw"))))
        let get = try hex(Frame(requestId: 5, message: .getTransfer(GetTransfer(transferId: .random()))))
        // Sends each frame only after the answer to the one before has arrived.
        let script = """
            import socket, ssl, struct, sys
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT); ctx.check_hostname = False
            ctx.load_verify_locations(sys.argv[2]); ctx.load_cert_chain(sys.argv[3], sys.argv[4])
            s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", int(sys.argv[1]))))
            def read(n):
                b = b""
                while len(b) < n:
                    c = s.recv(n - len(b))
                    if not c: raise SystemExit("closed")
                    b += c
                return b
            for h in sys.argv[5:]:
                s.sendall(bytes.fromhex(h))
                head = read(24); body = read(struct.unpack_from("<I", head, 16)[0])
                print((head + body).hex())
            """
        let result = try runProgram("/usr/bin/env", ["python3", "-c", script, "\(daemon.port)", daemon.path("ca.pem"),
                                                     daemon.path("operators/ACME.pem"), daemon.path("operators/ACME.key"),
                                                     hello] + Array(repeating: get, count: 300), holdOpen: 0, timeout: 60)
        let answers = String(decoding: result.out, as: UTF8.self).split(separator: "\n")
        XCTAssertEqual(answers.count, 301, result.err)
        for answer in answers.dropFirst() {
            var buffer = ByteBuffer(bytes: Array(answer.utf8).chunked())
            let frame = try XCTUnwrap(try Frame.decode(from: &buffer))
            guard case .error(let error) = frame.message else { return XCTFail("\(frame)") }
            XCTAssertEqual(error.code, .notFound, "request id 5 again, after its answer: \(error)")
        }
    }

    func testACertificateThatNamesNoOperatorGetsUnknownOperator() async throws {
        let nobody = try issue(try demoCA(), "NOBODY")
        var configuration = daemon.clientConfiguration()
        configuration.certificateChainPath = nobody.certificate
        configuration.privateKeyPath = nobody.key
        do {
            _ = try await RemitClient.connect(configuration)
            XCTFail("connected with a certificate that names no operator")
        } catch RemitClientError.server(let error) {
            XCTAssertEqual(error.code, .unknownOperator)
        }
    }

    func testTheClientIsRefusedWithAnExpiredCertificate() async throws {
        let expired = try issue(try demoCA(), "ACME", notBefore: Date().addingTimeInterval(-40 * 86_400), days: 10)
        var configuration = daemon.clientConfiguration()
        configuration.certificateChainPath = expired.certificate
        configuration.privateKeyPath = expired.key
        do {
            _ = try await RemitClient.connect(configuration)
            XCTFail("connected with an expired certificate")
        } catch {
            XCTAssertFalse("\(error)".isEmpty)
        }
    }
}

/// TLS 1.2 only where configured, and then only with AEAD ciphers.
final class TLSVersionTests: XCTestCase {
    func testTLS12IsRefusedByDefaultAndAcceptedWithAEADWhenConfigured() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl") else { throw XCTSkip("no openssl") }
        let daemon = try Daemon()
        defer { daemon.remove() }
        func attempt(_ extra: [String]) throws -> String {
            let result = try runProgram("/usr/bin/openssl", [
                "s_client", "-connect", "127.0.0.1:\(daemon.port)", "-CAfile", daemon.path("ca.pem"),
                "-cert", daemon.path("operators/ACME.pem"), "-key", daemon.path("operators/ACME.key"),
            ] + extra, holdOpen: 1, timeout: 5)
            return String(decoding: result.out, as: UTF8.self) + result.err
        }
        let refused = try attempt(["-tls1_2"])
        XCTAssertTrue(refused.contains("alert protocol version") || refused.contains("no protocols available")
                      || refused.contains("wrong version number") || refused.contains("unsupported protocol"), refused)
        try daemon.setServer("tls_minimum = \"1.2\"")
        XCTAssertTrue(try daemon.reload())
        let accepted = try attempt(["-tls1_2"])
        XCTAssertTrue(accepted.contains("Protocol  : TLSv1.2") || accepted.contains("TLSv1.2"), accepted)
        XCTAssertTrue(accepted.contains("GCM") || accepted.contains("CHACHA20"), accepted)
        let cbc = try attempt(["-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-SHA256:ECDHE-RSA-AES128-SHA"])
        XCTAssertTrue(cbc.contains("handshake failure") || cbc.contains("alert"), cbc)
    }
}

extension Array where Element == UInt8 {
    /// Hex text as bytes.
    func chunked() -> [UInt8] {
        stride(from: 0, to: count - 1, by: 2).map { UInt8(String(decoding: self[$0..<$0 + 2], as: UTF8.self), radix: 16)! }
    }

    /// Bytes as hex text.
    var hex: String { map { String(format: "%02x", $0) }.joined() }
}
