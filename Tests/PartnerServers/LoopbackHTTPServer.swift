import NIOCore
import NIOHTTP1
import NIOPosix

/// A request as the partner servers see it.
public struct HTTPRequest: Sendable {
    public var method: HTTPMethod
    public var path: String
    public var query: [String: String]
    public var headers: HTTPHeaders
    public var body: [UInt8]
}

/// What a partner server does with a request.
public enum HTTPReply: Sendable {
    case respond(status: Int, body: [UInt8], headers: [(String, String)] = [])
    /// Answer after a delay (longer than the caller's timeout: a late answer).
    case respondLater(ms: Int, status: Int, body: [UInt8])
    /// Never answer; close when the client does.
    case stall
    /// Close the connection without a word.
    case drop
}

/// What a partner server can be told to do to its next payout request, before or after paying.
public enum PartnerFault: Sendable {
    /// Answered with this status and body; nothing is paid.
    case reply(Int, String)
    /// Paid, then never answered.
    case payThenStall
    /// Paid, then the connection is closed without an answer.
    case payThenDrop
    /// Paid, answered after this many milliseconds.
    case payThenAnswerLate(Int)
    /// Not paid, never answered.
    case stall

    /// The answer to a payout that was made, as this fault delivers it.
    func deliver(_ answer: HTTPReply) -> HTTPReply {
        switch self {
        case .payThenStall: return .stall
        case .payThenDrop: return .drop
        case .payThenAnswerLate(let ms):
            if case .respond(let status, let body, _) = answer { return .respondLater(ms: ms, status: status, body: body) }
            return answer
        case .reply, .stall: return answer
        }
    }
}

/// A real HTTP/1.1 server on 127.0.0.1 and an ephemeral port, for partners' APIs in tests.
public final class LoopbackHTTPServer: Sendable {
    public let port: Int
    private let channel: NIOAsyncChannel<NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>, Never>
    private let task: Task<Void, Never>

    public static func start(_ handler: @escaping @Sendable (HTTPRequest) async -> HTTPReply) async throws
        -> LoopbackHTTPServer
    {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: "127.0.0.1", port: 0) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    return try NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>(
                        wrappingChannelSynchronously: channel)
                }
            }
        return LoopbackHTTPServer(channel: channel, handler: handler)
    }

    private init(channel: NIOAsyncChannel<NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>, Never>,
                 handler: @escaping @Sendable (HTTPRequest) async -> HTTPReply) {
        self.channel = channel
        port = channel.channel.localAddress?.port ?? 0
        task = Task {
            try? await withThrowingDiscardingTaskGroup { group in
                try await channel.executeThenClose { inbound in
                    for try await connection in inbound {
                        group.addTask { await Self.serve(connection, handler) }
                    }
                }
            }
        }
    }

    public var baseURL: String { "http://127.0.0.1:\(port)" }

    public func stop() async {
        try? await channel.channel.close()
        task.cancel()
        _ = await task.value
    }

    private static func serve(_ connection: NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>,
                              _ handler: @escaping @Sendable (HTTPRequest) async -> HTTPReply) async {
        try? await connection.executeThenClose { inbound, outbound in
            var head: HTTPRequestHead?
            var body: [UInt8] = []
            var stalled = false
            for try await part in inbound {
                // A stalled request gets no answer, ever: read on until the client gives up.
                if stalled { continue }
                switch part {
                case .head(let h):
                    head = h
                    body = []
                case .body(var buffer):
                    body += buffer.readBytes(length: buffer.readableBytes) ?? []
                case .end:
                    guard let h = head else { continue }
                    let parts = h.uri.split(separator: "?", maxSplits: 1)
                    var query: [String: String] = [:]
                    if parts.count == 2 {
                        for pair in parts[1].split(separator: "&") {
                            let kv = pair.split(separator: "=", maxSplits: 1)
                            query[String(kv[0])] = kv.count == 2 ? String(kv[1]) : ""
                        }
                    }
                    let request = HTTPRequest(method: h.method, path: String(parts.first ?? ""), query: query,
                                              headers: h.headers, body: body)
                    var reply = await handler(request)
                    if case .respondLater(let ms, let status, let body) = reply {
                        try? await Task.sleep(for: .milliseconds(ms))
                        reply = .respond(status: status, body: body)
                    }
                    switch reply {
                    case .respond(let status, let body, let extra):
                        var headers = HTTPHeaders()
                        headers.add(name: "Content-Type", value: "application/json")
                        headers.add(name: "Content-Length", value: String(body.count))
                        // One request per connection: stopping the server leaves nothing open.
                        headers.add(name: "Connection", value: "close")
                        for (name, value) in extra { headers.add(name: name, value: value) }
                        try await outbound.write(.head(HTTPResponseHead(version: h.version,
                                                                         status: HTTPResponseStatus(statusCode: status),
                                                                         headers: headers)))
                        try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: body))))
                        try await outbound.write(.end(nil))
                        return
                    case .stall:
                        stalled = true
                    case .drop, .respondLater:
                        return
                    }
                }
            }
        }
    }
}
