import NIOCore

/// Writes a message body by the rules of PROTOCOL.md section 4: the exact inverse of
/// `BodyReader`. Encoding refuses what a receiver would refuse (a string over its maximum, a
/// group over its limit), so a client learns of it before anything is sent.
struct BodyWriter {
    var buffer: ByteBuffer
    /// The frame's protocol version: a field that version cannot carry is refused.
    let version: UInt8

    init(_ buffer: ByteBuffer, version: UInt8) {
        self.buffer = buffer
        self.version = version
    }

    mutating func u8(_ value: UInt8) { buffer.writeInteger(value) }
    mutating func u16(_ value: UInt16) { buffer.writeInteger(value, endianness: .little) }
    mutating func u32(_ value: UInt32) { buffer.writeInteger(value, endianness: .little) }
    mutating func u64(_ value: UInt64) { buffer.writeInteger(value, endianness: .little) }
    mutating func i32(_ value: Int32) { buffer.writeInteger(value, endianness: .little) }
    mutating func i64(_ value: Int64) { buffer.writeInteger(value, endianness: .little) }

    mutating func id128(_ value: ID128?) {
        let id = value ?? .zero
        buffer.writeInteger(id.high, endianness: .big)
        buffer.writeInteger(id.low, endianness: .big)
    }

    mutating func currency(_ code: CurrencyCode) {
        let b = code.bytes
        buffer.writeInteger(b.0)
        buffer.writeInteger(b.1)
        buffer.writeInteger(b.2)
    }

    mutating func country(_ code: CountryCode) {
        let b = code.bytes
        buffer.writeInteger(b.0)
        buffer.writeInteger(b.1)
    }

    mutating func wireEnum<E: WireEnum>(_ value: E) { buffer.writeInteger(value.rawValue) }

    mutating func msisdn(_ value: UInt64, _ field: FieldID) throws(ProtocolError) {
        guard value <= FieldLimit.maxMSISDN else {
            throw ProtocolError(.invalidValue, field: field, detail: "\(field.name): more than 15 digits")
        }
        u64(value)
    }

    mutating func string(_ text: String, _ field: FieldID, max: Int, ascii: Bool = false) throws(ProtocolError) {
        var text = text
        let count = text.utf8.count
        guard count <= max else {
            throw ProtocolError(.fieldTooLong, field: field, detail: "\(field.name): \(count) bytes, at most \(max)")
        }
        if let bad = text.withUTF8({ FieldLimit.refusedByte(in: $0, ascii: ascii) }) {
            throw FieldLimit.refusal(bad, field, ascii: ascii)
        }
        buffer.writeInteger(UInt8(count))
        text.withUTF8 { _ = buffer.writeBytes($0) }
    }

    /// Version 3: an *id* string (`BodyReader.identifier`).
    mutating func identifier(_ text: String, _ field: FieldID, max: Int = FieldLimit.identifier) throws(ProtocolError) {
        try FieldLimit.checkIdentifier(text, field)
        try string(text, field, max: max, ascii: true)
    }

    mutating func groupHeader(_ field: FieldID, entryBlockLength: Int, count: Int, minimumCount: Int, maxCount: Int)
        throws(ProtocolError)
    {
        guard count >= minimumCount, count <= maxCount else {
            throw ProtocolError(.tooManyEntries, field: field,
                                detail: "\(field.name): \(count) entries, allowed \(minimumCount) to \(maxCount)")
        }
        u16(UInt16(entryBlockLength))
        u16(UInt16(count))
    }
}
