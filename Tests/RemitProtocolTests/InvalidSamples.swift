import NIOCore
import RemitProtocol

/// Malformed frames and the error each must produce (PROTOCOL.md sections 3, 4 and 7). Bodies
/// are written byte by byte here, not by the encoder, so they test the decoder on its own.
enum InvalidSamples {
    struct Invalid {
        let name: String
        let description: String
        let bytes: [UInt8]
        let code: ErrorCode
        let field: FieldID
        let closesConnection: Bool
    }

    static func le16(_ v: UInt16) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8)] }
    static func le32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8((v >> (8 * $0)) & 0xFF) } }
    static func le64(_ v: UInt64) -> [UInt8] { (0..<8).map { UInt8((v >> (8 * UInt64($0))) & 0xFF) } }
    static func str(_ s: String) -> [UInt8] { [UInt8(s.utf8.count)] + Array(s.utf8) }

    /// A frame around `body` with a correct length and checksum unless told otherwise.
    static func frame(
        type: UInt16, requestId: UInt64 = 5, body: [UInt8], magic: [UInt8] = [0x52, 0x4D], version: UInt8 = 1,
        flags: UInt8 = 0, reserved: UInt16 = 0, bodyLength: UInt32? = nil, crc: UInt32? = nil
    ) -> [UInt8] {
        magic + [version, flags] + le16(type) + le16(reserved) + le64(requestId)
            + le32(bodyLength ?? UInt32(body.count)) + le32(crc ?? CRC32C.checksum(body)) + body
    }

    /// Replaces a string's length-prefixed bytes in an encoded frame, keeping its type and
    /// request id and fixing its length and checksum: a way to put one byte too many in a field
    /// the encoder would refuse.
    static func patchString(_ frame: [UInt8], from old: String, to new: String) -> [UInt8] {
        let oldBytes = [UInt8(old.utf8.count)] + Array(old.utf8)
        let newBytes = [UInt8(new.utf8.count)] + Array(new.utf8)
        var body = Array(frame[24...])
        let start = (0...(body.count - oldBytes.count)).first { Array(body[$0..<$0 + oldBytes.count]) == oldBytes }!
        body.replaceSubrange(start..<start + oldBytes.count, with: newBytes)
        let type = UInt16(frame[4]) | UInt16(frame[5]) << 8
        let requestId = frame[8..<16].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        return self.frame(type: type, requestId: requestId, body: body)
    }

    static let idBytes: [UInt8] = Array(0..<16).map { UInt8($0 + 1) }
    static let getTransferBody: [UInt8] = le16(16) + idBytes

    static func helloBody(reserved: UInt16 = 0, min: UInt8 = 1, max: UInt8 = 1, name: [UInt8] = str("x")) -> [UInt8] {
        le16(4) + [min, max] + le16(reserved) + name
    }

    /// A QuoteRequest body for USD to KES with `legs` wallet legs; fields overridable.
    static func quoteRequestBody(
        currency: String = "USD", mode: UInt8 = 1, legCount: Int = 1, declaredLegCount: Int? = nil,
        legAccountInstitution: String = ""
    ) -> [UInt8] {
        var body = le16(20) + le64(10_000) + Array(currency.utf8) + Array("KES".utf8) + Array("USKE".utf8) + [mode, 0]
        body += le16(4) + le16(UInt16(declaredLegCount ?? legCount))
        for _ in 0..<legCount { body += [1, 0] + le16(10_000) + str(legAccountInstitution) }
        return body
    }

    static let invalid: [Invalid] = [
        Invalid(name: "bad-magic", description: "The first two bytes are not \"RM\".",
                bytes: frame(type: 0x30, body: getTransferBody, magic: [0x52, 0x58]),
                code: .badMagic, field: .magic, closesConnection: true),
        Invalid(name: "unsupported-version", description: "Header version 4; the protocol has versions 1 to 3.",
                bytes: frame(type: 0x30, body: getTransferBody, version: 4),
                code: .unsupportedVersion, field: .version, closesConnection: true),
        Invalid(name: "flags-not-zero", description: "Header flags are reserved in version 1.",
                bytes: frame(type: 0x30, body: getTransferBody, flags: 0x01),
                code: .reservedNotZero, field: .flags, closesConnection: true),
        Invalid(name: "header-reserved-not-zero", description: "The header's reserved u16 is not zero.",
                bytes: frame(type: 0x30, body: getTransferBody, reserved: 0x0100),
                code: .reservedNotZero, field: .reserved, closesConnection: true),
        Invalid(name: "frame-too-large",
                description: "bodyLength 4194305, one past the limit: refused from the header alone, before any "
                    + "body byte is read.",
                bytes: Array(frame(type: 0x20, body: [], bodyLength: 4_194_305).prefix(24)),
                code: .frameTooLarge, field: .bodyLength, closesConnection: true),
        Invalid(name: "checksum-mismatch", description: "The body's CRC-32C does not match the header.",
                bytes: frame(type: 0x30, body: getTransferBody, crc: 0xDEAD_BEEF),
                code: .checksumMismatch, field: .bodyCrc32c, closesConnection: true),
        Invalid(name: "unknown-message-type", description: "Type 0x0099 is not in version 1.",
                bytes: frame(type: 0x99, body: getTransferBody),
                code: .unknownMessageType, field: .type, closesConnection: false),
        Invalid(name: "truncated-block", description: "GetTransfer's block declares 16 bytes; 10 follow.",
                bytes: frame(type: 0x30, body: Array(getTransferBody.prefix(12))),
                code: .truncated, field: .blockLength, closesConnection: false),
        Invalid(name: "block-length-too-small", description: "GetTransfer's block must be at least 16 bytes.",
                bytes: frame(type: 0x30, body: le16(8) + Array(idBytes.prefix(8))),
                code: .blockLengthTooSmall, field: .blockLength, closesConnection: false),
        Invalid(name: "trailing-bytes", description: "One byte after GetTransfer's last field.",
                bytes: frame(type: 0x30, body: getTransferBody + [0]),
                code: .trailingBytes, field: .body, closesConnection: false),
        Invalid(name: "request-id-zero", description: "A request with request id 0.",
                bytes: frame(type: 0x30, requestId: 0, body: getTransferBody),
                code: .invalidValue, field: .requestId, closesConnection: false),
        Invalid(name: "event-ack-with-request-id", description: "EventAck belongs to no request: its id must be 0.",
                bytes: frame(type: 0x43, requestId: 3, body: le16(8) + le64(42)),
                code: .invalidValue, field: .requestId, closesConnection: false),
        Invalid(name: "body-reserved-not-zero", description: "Hello's reserved u16 is 1.",
                bytes: frame(type: 0x01, body: helloBody(reserved: 1)),
                code: .reservedNotZero, field: .reserved, closesConnection: false),
        Invalid(name: "hello-version-range", description: "Hello's maxVersion is below its minVersion.",
                bytes: frame(type: 0x01, body: helloBody(min: 2, max: 1)),
                code: .invalidValue, field: .maxVersion, closesConnection: false),
        Invalid(name: "string-too-long", description: "clientName of 65 bytes; at most 64.",
                bytes: frame(type: 0x01, body: helloBody(name: str(String(repeating: "a", count: 65)))),
                code: .fieldTooLong, field: .clientName, closesConnection: false),
        Invalid(name: "string-truncated", description: "clientName declares 10 bytes; 3 follow.",
                bytes: frame(type: 0x01, body: helloBody(name: [10] + Array("abc".utf8))),
                code: .truncated, field: .clientName, closesConnection: false),
        Invalid(name: "invalid-utf8", description: "clientName holds the bytes FF FE.",
                bytes: frame(type: 0x01, body: helloBody(name: [2, 0xFF, 0xFE])),
                code: .invalidUTF8, field: .clientName, closesConnection: false),
        Invalid(name: "control-character", description: "clientName holds a line feed.",
                bytes: frame(type: 0x01, body: helloBody(name: str("a\nb"))),
                code: .invalidValue, field: .clientName, closesConnection: false),
        Invalid(name: "c1-control-character", description: "clientName holds U+0085 (C2 85).",
                bytes: frame(type: 0x01, body: helloBody(name: [3, 0x61, 0xC2, 0x85])),
                code: .invalidValue, field: .clientName, closesConnection: false),
        Invalid(name: "invalid-enum", description: "amountMode 3 does not exist.",
                bytes: frame(type: 0x10, body: quoteRequestBody(mode: 3)),
                code: .invalidValue, field: .amountMode, closesConnection: false),
        Invalid(name: "lowercase-currency", description: "sendCurrency \"usd\" is not three capitals.",
                bytes: frame(type: 0x10, body: quoteRequestBody(currency: "usd")),
                code: .invalidValue, field: .sendCurrency, closesConnection: false),
        Invalid(name: "ascii-field-with-space", description: "A leg's institution holds a space.",
                bytes: frame(type: 0x10, body: quoteRequestBody(legAccountInstitution: "KW FT")),
                code: .invalidValue, field: .legInstitution, closesConnection: false),
        Invalid(name: "too-many-legs", description: "9 legs; at most 8. Refused before any leg is read.",
                bytes: frame(type: 0x10, body: quoteRequestBody(legCount: 9)),
                code: .tooManyEntries, field: .legs, closesConnection: false),
        Invalid(name: "no-legs", description: "A quote needs at least one leg.",
                bytes: frame(type: 0x10, body: quoteRequestBody(legCount: 0)),
                code: .tooManyEntries, field: .legs, closesConnection: false),
        Invalid(name: "group-count-past-body", description: "The legs group declares 2 entries; 1 follows.",
                bytes: frame(type: 0x10, body: quoteRequestBody(legCount: 1, declaredLegCount: 2)),
                code: .truncated, field: .legs, closesConnection: false),
        Invalid(name: "too-many-transfers",
                description: "A SubmitTransfers group declaring 8190 transfers, one past the limit: refused from "
                    + "the count alone.",
                bytes: frame(type: 0x20, body: le16(0) + le16(74) + le16(8_190)),
                code: .tooManyEntries, field: .transfers, closesConnection: false),
        Invalid(name: "msisdn-too-long", description: "senderPhone with 16 digits.",
                bytes: frame(type: 0x20, body: le16(0) + le16(74) + le16(1) + idBytes + [UInt8](repeating: 0, count: 16)
                    + le64(10_000) + le64(1_000_000_000_000_000) + le64(0) + le32(0) + Array("USDKESUSKE".utf8)
                    + [1, 1, 1, 0] + [UInt8](repeating: 0, count: 8) + le16(4) + le16(1) + [1, 0] + le16(10_000)
                    + [0, 0]),
                code: .invalidValue, field: .senderPhone, closesConnection: false),
        Invalid(name: "version-2-type-in-version-1", description: "GetStandingInstruction (0x0052) in a version-1 "
                    + "frame: the type does not exist in version 1.",
                bytes: frame(type: 0x52, body: le16(0) + str("ACME-B-1"), version: 1),
                code: .unknownMessageType, field: .type, closesConnection: false),
        Invalid(name: "transfer-options-in-version-1", description: "A transfer's byte 73 set in a version-1 frame, "
                    + "where it is reserved.",
                bytes: standingTransfer(version: 1, options: 0x01),
                code: .reservedNotZero, field: .reserved, closesConnection: false),
        Invalid(name: "transfer-unknown-option", description: "Version 2: a transfer's options with bit 1 set; "
                    + "only bit 0 is defined.",
                bytes: standingTransfer(version: 2, options: 0x03),
                code: .reservedNotZero, field: .options, closesConnection: false),
        Invalid(name: "standing-instruction-too-many-legs", description: "Version 2: a standing instruction with 8 "
                    + "legs; at most maxLegsPerTransfer - 1 = 7, the transfer's own leg being the other.",
                bytes: frame(type: 0x50, body: le16(0) + str("ACME-B-1") + str("") + le16(4) + le16(8)
                    + Array(repeating: [4, 0] + le16(100) + str("") + str("SAV-1"), count: 8).flatMap { $0 },
                    version: 2),
                code: .tooManyEntries, field: .legs, closesConnection: false),
        Invalid(name: "version-3-type-in-version-2", description: "GetProject (0x0062) in a version-2 frame: the "
                    + "type does not exist before version 3.",
                bytes: frame(type: 0x62, body: le16(8) + le64(0) + str("KISUMU-CLINIC"), version: 2),
                code: .unknownMessageType, field: .type, closesConnection: false),
        Invalid(name: "project-id-with-space", description: "Version 3: a project id holds a space; ids take "
                    + "letters, digits, '-', '.' and '_'.",
                bytes: frame(type: 0x62, body: le16(8) + le64(0) + str("KISUMU CLINIC"), version: 3),
                code: .invalidValue, field: .projectId, closesConnection: false),
        Invalid(name: "project-id-with-slash", description: "Version 3: a project id holds a '/', printable "
                    + "ASCII but not an id character.",
                bytes: frame(type: 0x62, body: le16(8) + le64(0) + str("KISUMU/CLINIC"), version: 3),
                code: .invalidValue, field: .projectId, closesConnection: false),
        Invalid(name: "open-project-no-milestones", description: "Version 3: a project needs 1 to 20 milestones.",
                bytes: openProject(milestones: 0), code: .tooManyEntries, field: .milestones, closesConnection: false),
        Invalid(name: "open-project-too-many-milestones", description: "Version 3: 21 milestones; at most 20. "
                    + "Refused from the count alone.",
                bytes: openProject(milestones: 21), code: .tooManyEntries, field: .milestones, closesConnection: false),
        Invalid(name: "open-project-unknown-policy", description: "Version 3: refundPolicy 3 does not exist.",
                bytes: openProject(milestones: 1, policy: 3), code: .invalidValue, field: .refundPolicy,
                closesConnection: false),
    ]

    /// An OpenProject frame (version 3) with `milestones` milestones of KES 1.00 each.
    static func openProject(milestones: Int, policy: UInt8 = 1) -> [UInt8] {
        let block = le64(100 * UInt64(max(milestones, 1))) + le64(1_830_297_599_000) + Array("KESKE".utf8) + [policy, 0, 0]
        let strings = str("P-1") + str("HTA-1") + str("Hometown") + str("Well") + str("KMFI") + str("ACC-1")
        let group = le16(8) + le16(UInt16(milestones))
            + Array(repeating: le64(100) + str("Stage"), count: milestones).flatMap { $0 }
        return frame(type: 0x60, body: le16(24) + block + strings + group, version: 3)
    }

    /// The standing-instruction transfer's frame with `options` at byte 73 of its block, in a
    /// frame of `version`.
    static func standingTransfer(version: UInt8, options: UInt8) -> [UInt8] {
        var transfer = Samples.standingTransfer
        transfer.applyStandingInstruction = false
        var body = Array(Samples.encoded(Frame(version: 2, requestId: 5, message: .submitTransfers(
            SubmitTransfers(transfers: [transfer]))))[24...])
        // blockLength (2), then the group's entryBlockLength and count (4), then the block.
        body[6 + 73] = options
        return frame(type: 0x20, body: body, version: version)
    }
}
