import NIOCore

/// The 24-byte header in front of every frame (PROTOCOL.md section 3).
public struct FrameHeader: Hashable, Sendable {
    public static let length = 24
    public static let magic: UInt16 = 0x4D52  // the bytes "RM", read little-endian
    /// The versions this codec speaks (PROTOCOL.md section 11). Hello always travels as 1.
    public static let versions: ClosedRange<UInt8> = 1...3
    /// The version of Hello's header, whatever the client speaks.
    public static let helloVersion: UInt8 = 1

    public var version: UInt8
    public var flags: UInt8
    public var type: UInt16
    public var requestId: UInt64
    public var bodyLength: UInt32
    public var bodyCrc32c: UInt32

    /// Reads and checks a header without consuming it: nil until 24 bytes have arrived. Every
    /// failure is a frame error: the connection closes.
    public static func peek(_ buffer: ByteBuffer, limits: ProtocolLimits) throws(ProtocolError) -> FrameHeader? {
        guard buffer.readableBytes >= length else { return nil }
        let start = buffer.readerIndex
        let magic = buffer.getInteger(at: start, endianness: .little, as: UInt16.self)!
        let version = buffer.getInteger(at: start + 2, as: UInt8.self)!
        let flags = buffer.getInteger(at: start + 3, as: UInt8.self)!
        let type = buffer.getInteger(at: start + 4, endianness: .little, as: UInt16.self)!
        let reserved = buffer.getInteger(at: start + 6, endianness: .little, as: UInt16.self)!
        let requestId = buffer.getInteger(at: start + 8, endianness: .little, as: UInt64.self)!
        let bodyLength = buffer.getInteger(at: start + 16, endianness: .little, as: UInt32.self)!
        let crc = buffer.getInteger(at: start + 20, endianness: .little, as: UInt32.self)!
        guard magic == Self.magic else {
            throw ProtocolError(.badMagic, field: .magic, detail: "magic: not \"RM\"", closesConnection: true)
        }
        guard Self.versions.contains(version) else {
            throw ProtocolError(.unsupportedVersion, field: .version,
                                detail: "version: \(version), this side speaks \(Self.versions.lowerBound) to \(Self.versions.upperBound)",
                                closesConnection: true, requestId: requestId)
        }
        guard flags == 0 else {
            throw ProtocolError(.reservedNotZero, field: .flags, detail: "flags: must be zero",
                                closesConnection: true, requestId: requestId)
        }
        guard reserved == 0 else {
            throw ProtocolError(.reservedNotZero, field: .reserved, detail: "reserved: must be zero",
                                closesConnection: true, requestId: requestId)
        }
        guard Int(bodyLength) <= limits.maxBodyLength else {
            throw ProtocolError(.frameTooLarge, field: .bodyLength,
                                detail: "bodyLength: \(bodyLength) bytes, at most \(limits.maxBodyLength)",
                                closesConnection: true, requestId: requestId)
        }
        return FrameHeader(version: version, flags: flags, type: type, requestId: requestId,
                           bodyLength: bodyLength, bodyCrc32c: crc)
    }

    func write(into buffer: inout ByteBuffer) {
        buffer.writeInteger(Self.magic, endianness: .little)
        buffer.writeInteger(version)
        buffer.writeInteger(flags)
        buffer.writeInteger(type, endianness: .little)
        buffer.writeInteger(UInt16(0), endianness: .little)
        buffer.writeInteger(requestId, endianness: .little)
        buffer.writeInteger(bodyLength, endianness: .little)
        buffer.writeInteger(bodyCrc32c, endianness: .little)
    }
}
