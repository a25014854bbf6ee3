import NIOCore
import RemitProtocol

/// One fuzz input through the frame and message decoders.
///
/// The first byte chooses the mode. Even: the rest is a raw byte stream (header checks, framing,
/// checksum). Odd: the next two bytes are a message type and the rest a body, wrapped in a header
/// with the right length and checksum, so mutations reach the body decoders instead of dying at
/// the checksum; the header's version is the one that introduced the type, or (bit 3) the
/// newest, so that every version's decoders are reached. Whatever decodes must encode again to a frame that decodes to the same thing.
enum FuzzHarness {
    static let tightLimits = ProtocolLimits(maxBodyLength: 4_096, maxBatchTransfers: 4, maxLegsPerTransfer: 2)

    static func run(_ data: UnsafeRawBufferPointer) {
        guard let mode = data.first else { return }
        let rest = UnsafeRawBufferPointer(rebasing: data[1...])
        var buffer: ByteBuffer
        if mode & 1 == 0 {
            buffer = ByteBuffer(bytes: rest)
        } else {
            guard rest.count >= 2 else { return }
            let type = UInt16(rest[0]) | UInt16(rest[1]) << 8
            let body = UnsafeRawBufferPointer(rebasing: rest[2...])
            buffer = ByteBuffer()
            let version = mode & 8 != 0 ? FrameHeader.versions.upperBound : MessageType(rawValue: type)?.version ?? 1
            buffer.writeBytes([0x52, 0x4D, version, 0, UInt8(type & 0xFF), UInt8(type >> 8), 0, 0])
            let requestId: UInt64 = (type == 0x42 || type == 0x43 || mode & 2 != 0) ? 0 : 1
            buffer.writeInteger(requestId, endianness: .little)
            buffer.writeInteger(UInt32(body.count), endianness: .little)
            buffer.writeInteger(CRC32C.checksum(body), endianness: .little)
            buffer.writeBytes(body)
        }
        let limits = mode & 4 == 0 ? ProtocolLimits.default : tightLimits
        // Decode frames until the stream is exhausted or broken, as a connection would.
        while true {
            let frame: Frame?
            do {
                frame = try Frame.decode(from: &buffer, limits: limits)
            } catch {
                precondition(error.code.isKnown && error.code.rawValue / 1000 == 1, "not a 1xxx error: \(error)")
                if error.closesConnection { return }
                continue
            }
            guard let frame else { return }
            // The gateway hashes a received transfer from the bytes it arrived in: they must be
            // the bytes encoding it gives, or a same-content resubmission would look different.
            if case .submitTransfers(let submit) = frame.message {
                for index in submit.transfers.indices {
                    let received = try? submit.withCanonicalBytes(ofTransferAt: index, limits: limits) { Array($0) }
                    let encoded = try? submit.transfers[index].canonicalBytes(limits: limits)
                    precondition(received != nil && received == encoded, "transfer \(index)'s canonical bytes differ")
                }
            }
            var encoded = ByteBuffer()
            do {
                try frame.encode(into: &encoded, limits: limits)
            } catch {
                preconditionFailure("a decoded frame does not encode: \(error)")
            }
            let again = try? Frame.decode(from: &encoded, limits: limits)
            precondition(again == frame, "decode(encode(frame)) differs from frame")
        }
    }
}
