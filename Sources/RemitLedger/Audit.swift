import Crypto
import Foundation
import GRDB

/// One action to put on the audit log: who did it, what, to what, and the details that make it
/// reviewable later (amounts, references, notes, evidence).
///
/// ```swift
/// let record = AuditRecord(actor: "admin uid 0 (root)", action: "fund", subject: "operator ACME",
///                          detail: "USD 1000.00 reference wire 42")
/// _ = await ledger.apply(.audited(record, .fund(operatorId: "ACME", amount: amount, reference: "wire 42")))
/// ```
public struct AuditRecord: Hashable, Sendable {
    public static let maxActor = 128
    public static let maxAction = 64
    public static let maxSubject = 256
    public static let maxDetail = 2_000

    public var actor: String
    public var action: String
    public var subject: String
    public var detail: String

    /// Each field is cut at its limit, visibly: a cut field ends with "…".
    public init(actor: String, action: String, subject: String, detail: String) {
        self.actor = Self.clip(actor, Self.maxActor)
        self.action = Self.clip(action, Self.maxAction)
        self.subject = Self.clip(subject, Self.maxSubject)
        self.detail = Self.clip(detail, Self.maxDetail)
    }

    static func clip(_ text: String, _ limit: Int) -> String {
        guard text.utf8.count > limit else { return text }
        var clipped = ""
        for character in text {
            guard clipped.utf8.count + character.utf8.count <= limit - 3 else { break }
            clipped.append(character)
        }
        return clipped + "…"
    }
}

/// One line of the audit log, as read back.
public struct AuditLine: Hashable, Sendable, Codable {
    public var id: Int64
    /// Milliseconds since the epoch.
    public var at: Int64
    public var actor: String
    public var action: String
    public var subject: String
    public var detail: String
    /// "done", or "refused: " and the ledger's reason.
    public var outcome: String
}

/// The audit log: every admin action and review decision, with its outcome, in its own hash
/// chain (`Chain.audit`), written in the same transaction as the action it records.
enum Audit {
    static func append(_ db: Database, _ context: WriteContext, _ record: AuditRecord, outcome: LedgerOutcome) throws {
        let text: String
        switch outcome {
        case .rejected(let error): text = AuditRecord.clip("refused: \(error)", AuditRecord.maxDetail)
        default: text = "done"
        }
        let tail = try context.chainTail(.audit, db)
        let id = tail.id + 1
        let hash = lineHash(previous: tail.hash, id: id, at: context.time, record.actor, record.action, record.subject,
                            record.detail, text)
        try db.cachedStatement(sql: """
            INSERT INTO audit (id, at, actor, action, subject, detail, outcome, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [id, context.time, record.actor, record.action, record.subject, record.detail, text, hash])
        context.advance(.audit, to: id, hash: hash)
    }

    static func lineHash(previous: Data, id: Int64, at: Int64, _ actor: String, _ action: String, _ subject: String,
                         _ detail: String, _ outcome: String) -> Data {
        var hasher = ChainHasher(previous: previous)
        hasher.integer(id)
        hasher.integer(at)
        for text in [actor, action, subject, detail, outcome] { hasher.text(text) }
        return hasher.finalize()
    }

    /// Problems in the chain, for `verify`.
    static func check(_ db: Database) throws -> (lines: Int, problems: [String]) {
        try Chain.audit.check(db, columns: "at, actor, action, subject, detail, outcome") { row, previous, id in
            lineHash(previous: previous, id: id, at: row["at"], row["actor"], row["action"], row["subject"], row["detail"],
                     row["outcome"])
        }
    }
}

/// What a chain's fields are written to: the hasher itself, or bytes laid out as it lays them
/// out, hashed later in one piece (`ChainHasher.fields`).
protocol ChainFieldSink {
    mutating func integer(_ value: Int64)
    mutating func text(_ value: String?)
}

/// Fields as `ChainHasher` takes them in, kept: hashing these bytes with `fields` gives the
/// digest that hashing each field would.
struct ChainFields: ChainFieldSink {
    private(set) var bytes: [UInt8] = []

    mutating func integer(_ value: Int64) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func text(_ value: String?) {
        guard let value else { return integer(-1) }
        integer(Int64(value.utf8.count))
        bytes.append(contentsOf: value.utf8)
    }
}

/// SHA-256 over a chain's previous hash and a row's fields: integers little-endian, texts
/// length-prefixed, a missing text as length -1. The fields are gathered in a buffer and handed
/// to SHA-256 a kilobyte at a time: a screening link hashes a dozen small fields per transfer,
/// and each separate update cost more than the bytes it hashed. The digest is the same as
/// hashing each field as it comes.
struct ChainHasher: ChainFieldSink {
    private var hasher = SHA256()
    /// A fixed buffer with a count: appending to an array through `append(contentsOf:)` went
    /// through its generic path for every eight-byte integer, most of a link's hashing time.
    private var pending = [UInt8](repeating: 0, count: Self.capacity)
    private var used = 0
    private static let capacity = 1_024

    init(previous: Data) {
        previous.withUnsafeBytes { append($0) }
    }

    mutating func integer(_ value: Int64) {
        if used + 8 > Self.capacity { flush() }
        let offset = used
        pending.withUnsafeMutableBytes { $0.storeBytes(of: value.littleEndian, toByteOffset: offset, as: Int64.self) }
        used += 8
    }

    mutating func text(_ value: String?) {
        guard var value else { return integer(-1) }
        value.withUTF8 { bytes in
            integer(Int64(bytes.count))
            append(UnsafeRawBufferPointer(bytes))
        }
    }

    /// Fields laid out before (`ChainFields`), in one piece.
    mutating func fields(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { append($0) }
    }

    private mutating func append(_ bytes: UnsafeRawBufferPointer) {
        guard let source = bytes.baseAddress, !bytes.isEmpty else { return }
        if used + bytes.count > Self.capacity {
            flush()
            // Longer than the buffer: straight to SHA-256, after what was gathered before it.
            if bytes.count > Self.capacity { return hasher.update(bufferPointer: bytes) }
        }
        let offset = used
        pending.withUnsafeMutableBytes { ($0.baseAddress! + offset).copyMemory(from: source, byteCount: bytes.count) }
        used += bytes.count
    }

    private mutating func flush() {
        pending.withUnsafeBytes { hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: $0[..<used])) }
        used = 0
    }

    func finalize() -> Data {
        var copy = self
        copy.flush()
        return Data(copy.hasher.finalize())
    }
}

/// The hash chains beside the journal's: the audit log and the screening decisions. Each row
/// stores the SHA-256 of the previous row's hash, its id, and its fields (integers, then texts
/// length-prefixed, a missing text as length -1), so that an edited, inserted or deleted row
/// breaks the chain where it is.
enum Chain: String, Sendable {
    case audit
    case screening

    var genesisHash: Data { Data(SHA256.hash(data: Data("remit-gateway \(rawValue) chain".utf8))) }

    /// Walks the chain in id order: a missing id, or a hash that does not follow from the row and
    /// the one before, is a problem. `expected` computes a row's hash from the one before and its id.
    func check(_ db: Database, columns: String, expected hash: (Row, Data, Int64) -> Data) throws -> (lines: Int, problems: [String]) {
        var problems: [String] = []
        var previous = genesisHash
        var expected: Int64 = 1
        var lines = 0
        let rows = try Row.fetchCursor(db, sql: "SELECT id, \(columns), hash FROM \(rawValue) ORDER BY id")
        while let row = try rows.next() {
            lines += 1
            let id: Int64 = row["id"]
            if id != expected { problems.append("\(rawValue) \(expected): missing (next is \(id))") }
            expected = id + 1
            let stored: Data = row["hash"]
            if hash(row, previous, id) != stored {
                problems.append("\(rawValue) \(id): hash does not follow from its content and the row before")
            }
            previous = stored
        }
        return (lines, problems)
    }
}

extension Ledger {
    /// The audit log, oldest first, from `after` (an id; 0 for the start), at most `limit` lines.
    public func audit(after: Int64 = 0, limit: Int = 1_000) throws -> [AuditLine] {
        try pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT id, at, actor, action, subject, detail, outcome FROM audit WHERE id > ? ORDER BY id LIMIT ?
                """, arguments: [after, limit]).map {
                AuditLine(id: $0["id"], at: $0["at"], actor: $0["actor"], action: $0["action"], subject: $0["subject"],
                          detail: $0["detail"], outcome: $0["outcome"])
            }
        }
    }

    /// The audit lines of one action whose detail contains `text` (a statement's digest, say),
    /// oldest first.
    public func audit(action: String, detailContaining text: String, limit: Int = 100) throws -> [AuditLine] {
        try pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT id, at, actor, action, subject, detail, outcome FROM audit
                WHERE action = ? AND instr(detail, ?) > 0 ORDER BY id LIMIT ?
                """, arguments: [action, text, limit]).map {
                AuditLine(id: $0["id"], at: $0["at"], actor: $0["actor"], action: $0["action"], subject: $0["subject"],
                          detail: $0["detail"], outcome: $0["outcome"])
            }
        }
    }
}
