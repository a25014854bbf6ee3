import Foundation
import NIOCore
import RemitProtocol
import XCTest

/// Abuse of the byte stream itself over real mutual TLS, by a raw client (Python's ssl module)
/// against the real daemon: lengths beyond the limit, bytes that are not frames, and frames sent
/// one byte at a time. Each is answered with its documented error and the connection closes
/// (PROTOCOL.md section 1, "What happens on a bad frame", and section 2 for the timeouts); the
/// daemon serves the next connection as before.
final class WireAbuseTests: XCTestCase {
    var daemon: Daemon!

    override func setUpWithError() throws {
        daemon = try Daemon()
        try daemon.setServer("hello_timeout_ms = 1000\nidle_timeout_ms = 1000\nheartbeat_interval_ms = 500")
        daemon = try daemon.restart()
    }

    override func tearDown() {
        daemon?.remove()
    }

    func testALengthBeyondTheLimitBeforeHelloGetsFrameTooLargeAndTheClose() async throws {
        // 2 GiB announced in a Hello's header; nothing of the body is ever sent.
        let answers = try exchange([.send(try header(of: .hello(Hello(clientName: "raw")), requestId: 9, bodyLength: 0x7FFF_FFFF))])
        XCTAssertEqual(answers.frames.count, 1, "\(answers)")
        try assertError(answers.frames.first, .frameTooLarge, requestId: 9)
        XCTAssertEqual(answers.end, "closed")
        try await assertStillServing()
    }

    func testALengthBeyondTheLimitAfterWelcomeGetsFrameTooLargeAndNothingAfterItIsRead() async throws {
        let limit = ProtocolLimits.default.maxBodyLength
        let oversized = try header(of: .heartbeat(Heartbeat(sentAt: 1)), requestId: 2, bodyLength: UInt32(limit + 1))
        // A valid heartbeat right behind the bad header: after a frame error nothing is a frame.
        let answers = try exchange([.send(try frame(.hello(Hello(clientName: "raw")), requestId: 1)),
                                    .send(oversized + (try frame(.heartbeat(Heartbeat(sentAt: 3)), requestId: 3)))])
        XCTAssertEqual(answers.frames.count, 2, "\(answers)")
        guard case .welcome = answers.frames.first?.message else { return XCTFail("\(answers)") }
        try assertError(answers.frames.last, .frameTooLarge, requestId: 2)
        XCTAssertEqual(answers.end, "closed")
    }

    func testBytesThatAreNotAFrameGetBadMagicAndTheClose() async throws {
        let answers = try exchange([.send(Array("GET / HTTP/1.1\r\nHost: remitd\r\n\r\n".utf8))])
        XCTAssertEqual(answers.frames.count, 1, "\(answers)")
        try assertError(answers.frames.first, .badMagic, requestId: 0)
        XCTAssertEqual(answers.end, "closed")
        try await assertStillServing()
    }

    func testABodyThatFailsItsChecksumGetsChecksumMismatchAndTheClose() async throws {
        var hello = try frame(.hello(Hello(clientName: "raw")), requestId: 4)
        hello[hello.count - 1] ^= 0xFF
        let answers = try exchange([.send(hello)])
        XCTAssertEqual(answers.frames.count, 1, "\(answers)")
        try assertError(answers.frames.first, .checksumMismatch, requestId: 4)
        XCTAssertEqual(answers.end, "closed")
    }

    /// A Hello sent one byte every 100 ms takes longer than the 1 s Hello timeout: 9005, closed.
    func testAHelloSentOneByteAtATimeSlowerThanTheHelloTimeoutGetsTimeout() async throws {
        let hello = try frame(.hello(Hello(clientName: "a slow client")), requestId: 1)
        XCTAssertGreaterThan(hello.count, 15, "the trickle must outlast the 1 s Hello timeout")
        let answers = try exchange([.trickle(hello, everyMs: 100)])
        XCTAssertEqual(answers.frames.count, 1, "\(answers)")
        try assertError(answers.frames.first, .timeout, requestId: 0)
        XCTAssertEqual(answers.end, "closed")
        try await assertStillServing()
    }

    /// Slowness alone is not abuse: a Hello trickled within the timeout is welcomed. A Heartbeat
    /// trickled over longer than the idle timeout is not a frame in time: 9005, closed.
    func testFramesSentOneByteAtATimeCountOnlyWhenWhole() async throws {
        let hello = try frame(.hello(Hello(clientName: "a slow client")), requestId: 1)
        let heartbeat = try frame(.heartbeat(Heartbeat(sentAt: 1)), requestId: 2)
        let answers = try exchange([.trickle(hello, everyMs: 10), .trickle(heartbeat, everyMs: 100)])
        XCTAssertEqual(answers.frames.count, 2, "\(answers)")
        guard case .welcome = answers.frames.first?.message else { return XCTFail("\(answers)") }
        try assertError(answers.frames.last, .timeout, requestId: 0)
        XCTAssertEqual(answers.end, "closed")
    }

    // MARK: the raw client

    enum Step {
        case send([UInt8])
        /// One byte at a time with a pause after each; stops early once the server has spoken.
        case trickle([UInt8], everyMs: Int)
    }

    struct Answers: CustomStringConvertible {
        var frames: [Frame]
        /// How the connection ended: "closed" by the server, or "open" after 10 s of silence.
        var end: String
        var description: String { "\(frames.map { "\($0.message)" }) then \(end)" }
    }

    /// Connects as ACME, carries out `steps`, then reads frames until the server closes.
    func exchange(_ steps: [Step]) throws -> Answers {
        let script = """
            import select, socket, ssl, sys, time
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT); ctx.check_hostname = False
            ctx.load_verify_locations(sys.argv[2]); ctx.load_cert_chain(sys.argv[3], sys.argv[4])
            s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", int(sys.argv[1]))))
            def spoken():
                return s.pending() > 0 or select.select([s], [], [], 0)[0]
            for step in sys.argv[5:]:
                kind, data, pause = step.split(":")
                data = bytes.fromhex(data)
                if kind == "send":
                    s.sendall(data)
                    continue
                for i in range(len(data)):
                    if spoken(): break
                    s.sendall(data[i:i + 1]); time.sleep(int(pause) / 1000)
            s.settimeout(10)
            out = b""
            try:
                while True:
                    chunk = s.recv(65536)
                    if not chunk:
                        print("end closed"); break
                    out += chunk
            except socket.timeout:
                print("end open")
            except (ConnectionResetError, ssl.SSLError) as e:
                print("end closed")
            print("bytes " + out.hex())
            """
        let arguments = steps.map { step -> String in
            switch step {
            case .send(let bytes): "send:\(bytes.hex):0"
            case .trickle(let bytes, let everyMs): "trickle:\(bytes.hex):\(everyMs)"
            }
        }
        let result = try runProgram("/usr/bin/env", ["python3", "-c", script, "\(daemon.port)", daemon.path("ca.pem"),
                                                     daemon.path("operators/ACME.pem"), daemon.path("operators/ACME.key")]
                                        + arguments, holdOpen: 0, timeout: 40)
        let lines = String(decoding: result.out, as: UTF8.self).split(separator: "\n")
        guard let end = lines.first(where: { $0.hasPrefix("end ") }),
              let bytes = lines.first(where: { $0.hasPrefix("bytes ") })
        else { throw XCTSkip("the raw client did not run: \(result.err)") }
        var buffer = ByteBuffer(bytes: Array(bytes.dropFirst(6).utf8).chunked())
        var frames: [Frame] = []
        while let frame = try Frame.decode(from: &buffer) { frames.append(frame) }
        XCTAssertEqual(buffer.readableBytes, 0, "a partial frame from the server")
        return Answers(frames: frames, end: String(end.dropFirst(4)))
    }

    func frame(_ message: Message, requestId: UInt64) throws -> [UInt8] {
        var buffer = ByteBuffer()
        try Frame(requestId: requestId, message: message).encode(into: &buffer)
        return Array(buffer.readableBytesView)
    }

    /// The 24 header bytes of `message` with `bodyLength` in place of its own.
    func header(of message: Message, requestId: UInt64, bodyLength: UInt32) throws -> [UInt8] {
        var header = Array(try frame(message, requestId: requestId).prefix(FrameHeader.length))
        withUnsafeBytes(of: bodyLength.littleEndian) { header.replaceSubrange(16..<20, with: $0) }
        return header
    }

    func assertError(_ frame: Frame?, _ code: ErrorCode, requestId: UInt64,
                     file: StaticString = #filePath, line: UInt = #line) throws {
        let frame = try XCTUnwrap(frame, file: file, line: line)
        guard case .error(let error) = frame.message else { return XCTFail("\(frame.message)", file: file, line: line) }
        XCTAssertEqual(error.code, code, error.detail, file: file, line: line)
        XCTAssertEqual(frame.requestId, requestId, file: file, line: line)
    }

    func assertStillServing() async throws {
        let client = try await daemon.connect("ACME")
        _ = try await client.heartbeat(sentAt: 7)
        try await client.close()
    }
}
