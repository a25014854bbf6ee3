import NIOCore
import NIOEmbedded
import NIOTLS
@testable import RemitGateway
import RemitProtocol
import XCTest

/// The connection's clocks and its bound for slow readers, on an embedded channel whose time
/// the test moves.
final class ConnectionHandlerTests: XCTestCase {
    func makeChannel() throws -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(
            ConnectionTimeoutHandler(handshake: .seconds(10), hello: .seconds(5), idle: .seconds(30)))
        try channel.pipeline.syncOperations.addHandler(SlowReaderHandler(patience: .seconds(30)))
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        return channel
    }

    func hello() -> Result<Frame, ProtocolError> { .success(Frame(requestId: 1, message: .hello(Hello(clientName: "t")))) }

    func testAHandshakeThatDoesNotFinishIsClosedSilently() throws {
        let channel = try makeChannel()
        channel.embeddedEventLoop.advanceTime(by: .seconds(9))
        XCTAssertTrue(channel.isActive)
        channel.embeddedEventLoop.advanceTime(by: .seconds(1))
        XCTAssertFalse(channel.isActive)
        XCTAssertNil(try channel.readOutbound(as: Frame.self))
    }

    func testNoHelloAfterTheHandshakeGetsTimeout() throws {
        let channel = try makeChannel()
        channel.pipeline.fireUserInboundEventTriggered(TLSUserEvent.handshakeCompleted(negotiatedProtocol: "remit/1"))
        channel.embeddedEventLoop.advanceTime(by: .seconds(5))
        let frame = try XCTUnwrap(try channel.readOutbound(as: Frame.self))
        guard case .error(let error) = frame.message else { return XCTFail("\(frame)") }
        XCTAssertEqual(error.code, .timeout)
        XCTAssertEqual(frame.requestId, 0)
        XCTAssertFalse(channel.isActive)
    }

    func testEveryFrameRestartsTheIdleClock() throws {
        let channel = try makeChannel()
        channel.pipeline.fireUserInboundEventTriggered(TLSUserEvent.handshakeCompleted(negotiatedProtocol: "remit/1"))
        try channel.writeInbound(hello())
        for _ in 0..<5 {
            channel.embeddedEventLoop.advanceTime(by: .seconds(20))
            try channel.writeInbound(Result<Frame, ProtocolError>.success(
                Frame(requestId: 2, message: .heartbeat(Heartbeat(sentAt: 0)))))
        }
        XCTAssertTrue(channel.isActive)
        XCTAssertNil(try channel.readOutbound(as: Frame.self))
        channel.embeddedEventLoop.advanceTime(by: .seconds(30))
        let frame = try XCTUnwrap(try channel.readOutbound(as: Frame.self))
        guard case .error(let error) = frame.message else { return XCTFail("\(frame)") }
        XCTAssertEqual(error.code, .timeout)
        XCTAssertFalse(channel.isActive)
    }

    func testAClientThatDoesNotReadIsClosedAfterItsPatienceRunsOut() throws {
        let channel = try makeChannel()
        channel.pipeline.fireUserInboundEventTriggered(TLSUserEvent.handshakeCompleted(negotiatedProtocol: "remit/1"))
        try channel.writeInbound(hello())
        // The client keeps writing (so it is not idle) but stops reading for a while.
        func pass(_ seconds: Int64) throws {
            for _ in 0..<(seconds / 10) {
                channel.embeddedEventLoop.advanceTime(by: .seconds(10))
                guard channel.isActive else { return }
                try channel.writeInbound(Result<Frame, ProtocolError>.success(
                    Frame(requestId: 2, message: .heartbeat(Heartbeat(sentAt: 0)))))
            }
        }
        channel.isWritable = false
        channel.pipeline.fireChannelWritabilityChanged()
        try pass(20)
        channel.isWritable = true
        channel.pipeline.fireChannelWritabilityChanged()
        try pass(20)
        XCTAssertTrue(channel.isActive, "unwritable for less than the patience, then writable again")
        channel.isWritable = false
        channel.pipeline.fireChannelWritabilityChanged()
        try pass(30)
        XCTAssertFalse(channel.isActive, "unwritable for the whole patience")
    }
}

final class AdminLineDecoderTests: XCTestCase {
    func testLinesAreSplitAndALongLineIsRefused() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(AdminLineDecoder(maxLength: 8)))
        try channel.writeInbound(ByteBuffer(string: "{\"a\":1}\n{\"b\""))
        XCTAssertEqual(try channel.readInbound(as: ByteBuffer.self).map { String(buffer: $0) }, "{\"a\":1}")
        XCTAssertNil(try channel.readInbound(as: ByteBuffer.self))
        try channel.writeInbound(ByteBuffer(string: ":2}\n"))
        XCTAssertEqual(try channel.readInbound(as: ByteBuffer.self).map { String(buffer: $0) }, "{\"b\":2}")
        XCTAssertThrowsError(try channel.writeInbound(ByteBuffer(string: "123456789")))
    }
}

final class DrainHandlerTests: XCTestCase {
    func testDrainPassesTheMarkerAfterWhatWasReadAndDropsTheRest() throws {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(FrameDecoder()))
        try channel.pipeline.syncOperations.addHandler(DrainHandler())
        var bytes = ByteBuffer()
        try Frame(requestId: 7, message: .heartbeat(Heartbeat(sentAt: 1))).encode(into: &bytes)
        try channel.writeInbound(bytes)
        channel.pipeline.fireUserInboundEventTriggered(DrainHandler.Drain())
        try channel.writeInbound(bytes)
        let first = try XCTUnwrap(try channel.readInbound(as: Result<Frame, ProtocolError>.self))
        XCTAssertEqual(try first.get().requestId, 7)
        let marker = try XCTUnwrap(try channel.readInbound(as: Result<Frame, ProtocolError>.self))
        guard case .failure(let error) = marker else { return XCTFail("\(marker)") }
        XCTAssertEqual(error.code, .shuttingDown)
        XCTAssertNil(try channel.readInbound(as: Result<Frame, ProtocolError>.self))
    }
}
