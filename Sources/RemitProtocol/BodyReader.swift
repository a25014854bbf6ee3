import NIOCore

/// Reads one message body by the rules of PROTOCOL.md section 4, throwing the error the spec
/// names for every violation. Each check happens before anything is allocated for the data.
struct BodyReader {
    var buffer: ByteBuffer
    /// The frame's protocol version: what a field means can depend on it (Transfer's `options`).
    let version: UInt8

    init(_ buffer: ByteBuffer, version: UInt8) {
        self.buffer = buffer
        self.version = version
    }

    static func truncated(_ field: FieldID) -> ProtocolError {
        ProtocolError(.truncated, field: field, detail: "\(field.name): the body ends inside this field")
    }

    mutating func u8(_ field: FieldID) throws(ProtocolError) -> UInt8 {
        guard let value = buffer.readInteger(as: UInt8.self) else { throw Self.truncated(field) }
        return value
    }

    mutating func u16(_ field: FieldID) throws(ProtocolError) -> UInt16 {
        guard let value = buffer.readInteger(endianness: .little, as: UInt16.self) else { throw Self.truncated(field) }
        return value
    }

    mutating func u32(_ field: FieldID) throws(ProtocolError) -> UInt32 {
        guard let value = buffer.readInteger(endianness: .little, as: UInt32.self) else { throw Self.truncated(field) }
        return value
    }

    mutating func u64(_ field: FieldID) throws(ProtocolError) -> UInt64 {
        guard let value = buffer.readInteger(endianness: .little, as: UInt64.self) else { throw Self.truncated(field) }
        return value
    }

    mutating func i32(_ field: FieldID) throws(ProtocolError) -> Int32 {
        guard let value = buffer.readInteger(endianness: .little, as: Int32.self) else { throw Self.truncated(field) }
        return value
    }

    mutating func i64(_ field: FieldID) throws(ProtocolError) -> Int64 {
        guard let value = buffer.readInteger(endianness: .little, as: Int64.self) else { throw Self.truncated(field) }
        return value
    }

    mutating func reserved8() throws(ProtocolError) {
        guard try u8(.reserved) == 0 else { throw Self.reservedNotZero() }
    }

    mutating func reserved16() throws(ProtocolError) {
        guard try u16(.reserved) == 0 else { throw Self.reservedNotZero() }
    }

    static func reservedNotZero() -> ProtocolError {
        ProtocolError(.reservedNotZero, field: .reserved, detail: "reserved: must be zero")
    }

    mutating func id128(_ field: FieldID) throws(ProtocolError) -> ID128 {
        guard let high = buffer.readInteger(endianness: .big, as: UInt64.self),
              let low = buffer.readInteger(endianness: .big, as: UInt64.self)
        else { throw Self.truncated(field) }
        return ID128(high: high, low: low)
    }

    /// All-zero is "none".
    mutating func optionalID128(_ field: FieldID) throws(ProtocolError) -> ID128? {
        let id = try id128(field)
        return id.isZero ? nil : id
    }

    mutating func currency(_ field: FieldID) throws(ProtocolError) -> CurrencyCode {
        guard let b0 = buffer.readInteger(as: UInt8.self), let b1 = buffer.readInteger(as: UInt8.self),
              let b2 = buffer.readInteger(as: UInt8.self)
        else { throw Self.truncated(field) }
        guard let code = CurrencyCode(bytes: b0, b1, b2) else {
            throw ProtocolError(.invalidValue, field: field, detail: "\(field.name): not three capital letters")
        }
        return code
    }

    mutating func country(_ field: FieldID) throws(ProtocolError) -> CountryCode {
        guard let b0 = buffer.readInteger(as: UInt8.self), let b1 = buffer.readInteger(as: UInt8.self) else {
            throw Self.truncated(field)
        }
        guard let code = CountryCode(bytes: b0, b1) else {
            throw ProtocolError(.invalidValue, field: field, detail: "\(field.name): not two capital letters")
        }
        return code
    }

    mutating func wireEnum<E: WireEnum>(_ type: E.Type, _ field: FieldID) throws(ProtocolError) -> E {
        let raw = try u8(field)
        guard let value = E(rawValue: raw) else {
            throw ProtocolError(.invalidValue, field: field, detail: "\(field.name): \(raw) is not a \(E.self)")
        }
        return value
    }

    mutating func msisdn(_ field: FieldID) throws(ProtocolError) -> UInt64 {
        let value = try u64(field)
        guard value <= FieldLimit.maxMSISDN else {
            throw ProtocolError(.invalidValue, field: field, detail: "\(field.name): more than 15 digits")
        }
        return value
    }

    mutating func errorCode(_ field: FieldID) throws(ProtocolError) -> ErrorCode {
        let code = ErrorCode(rawValue: try u16(field))
        guard code.isKnown else {
            throw ProtocolError(.invalidValue, field: field, detail: "\(field.name): \(code.rawValue) is not an error code")
        }
        return code
    }

    mutating func fieldID(_ field: FieldID) throws(ProtocolError) -> FieldID {
        let id = FieldID(rawValue: try u16(field))
        guard id.isKnown else {
            throw ProtocolError(.invalidValue, field: field, detail: "\(field.name): \(id.rawValue) is not a field id")
        }
        return id
    }

    /// A length-prefixed string of at most `max` bytes; `ascii` fields take 0x21...0x7E only.
    mutating func string(_ field: FieldID, max: Int, ascii: Bool = false) throws(ProtocolError) -> String {
        let length = Int(try u8(field))
        guard length <= max else {
            throw ProtocolError(.fieldTooLong, field: field, detail: "\(field.name): \(length) bytes, at most \(max)")
        }
        guard length > 0 else { return "" }
        guard let slice = buffer.readSlice(length: length) else { throw Self.truncated(field) }
        return try slice.withUnsafeReadableBytes { (bytes) throws(ProtocolError) -> String in
            if ascii {
                if let byte = FieldLimit.refusedByte(in: bytes, ascii: true) { throw FieldLimit.refusal(byte, field, ascii: true) }
                return String(decoding: bytes, as: UTF8.self)
            }
            guard let text = String(validating: bytes, as: UTF8.self) else {
                throw ProtocolError(.invalidUTF8, field: field, detail: "\(field.name): not valid UTF-8")
            }
            if let byte = FieldLimit.refusedByte(in: bytes, ascii: false) { throw FieldLimit.refusal(byte, field, ascii: false) }
            return text
        }
    }

    /// Version 3: an *id* string (a project's, an association's, a sponsor's): 1 to `max` of
    /// letters, digits, `-`, `.` and `_`, since it is also an account code and a leg's account.
    mutating func identifier(_ field: FieldID, max: Int = FieldLimit.identifier) throws(ProtocolError) -> String {
        let text = try string(field, max: max, ascii: true)
        try FieldLimit.checkIdentifier(text, field)
        return text
    }

    /// Reads a block length and returns a reader over the block; bytes past `minimum` are for
    /// fields a later revision appended, and are skipped.
    mutating func block(minimum: Int) throws(ProtocolError) -> BodyReader {
        let length = Int(try u16(.blockLength))
        return try fixedBlock(length: length, minimum: minimum)
    }

    mutating func fixedBlock(length: Int, minimum: Int) throws(ProtocolError) -> BodyReader {
        guard length >= minimum else {
            throw ProtocolError(.blockLengthTooSmall, field: .blockLength,
                                detail: "blockLength: \(length), at least \(minimum)")
        }
        guard let slice = buffer.readSlice(length: length) else { throw Self.truncated(.blockLength) }
        return BodyReader(slice, version: version)
    }

    /// Reads a group header and checks the count against `maxCount` and the remaining bytes
    /// before the caller reserves any storage.
    mutating func group(
        _ field: FieldID, minimumEntryBlock: Int, minimumCount: Int, maxCount: Int
    ) throws(ProtocolError) -> (entryBlockLength: Int, count: Int) {
        let entryBlockLength = Int(try u16(.blockLength))
        let count = Int(try u16(field))
        guard entryBlockLength >= minimumEntryBlock else {
            throw ProtocolError(.blockLengthTooSmall, field: .blockLength,
                                detail: "\(field.name): entryBlockLength \(entryBlockLength), at least \(minimumEntryBlock)")
        }
        guard count <= maxCount, count >= minimumCount else {
            throw ProtocolError(.tooManyEntries, field: field,
                                detail: "\(field.name): \(count) entries, allowed \(minimumCount) to \(maxCount)")
        }
        guard count * entryBlockLength <= buffer.readableBytes else { throw Self.truncated(field) }
        return (entryBlockLength, count)
    }

    func end() throws(ProtocolError) {
        guard buffer.readableBytes == 0 else {
            throw ProtocolError(.trailingBytes, field: .body, detail: "body: \(buffer.readableBytes) bytes after the message")
        }
    }
}
