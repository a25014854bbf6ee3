/// A transfer's state. States only move forward, along `successors` (PROTOCOL.md section 5
/// draws the same graph); the ledger refuses any other move.
public enum TransferState: String, Sendable, CaseIterable {
    case accepted, dispatched, inDoubt, paid, failed, refunded, cancelled, reversed, rejected, inReview, partiallyPaid

    public var successors: Set<TransferState> {
        switch self {
        // In review is the compliance hold before acceptance; a payout in doubt past the inquiry
        // limit stays in doubt (operations review it), so no path leads back.
        case .inReview: [.accepted, .rejected, .cancelled]
        case .accepted: [.dispatched, .cancelled]
        // Cancelled after dispatch: every leg's partner confirmed its payout cancelled.
        case .dispatched: [.paid, .partiallyPaid, .inDoubt, .failed, .cancelled]
        case .inDoubt: [.paid, .partiallyPaid, .failed, .cancelled]
        case .failed: [.refunded]
        // A partner's reversal of one leg of several makes a paid transfer partially paid; of
        // the last paid leg, reversed.
        case .paid: [.reversed, .partiallyPaid]
        case .partiallyPaid: [.reversed]
        case .rejected, .refunded, .cancelled, .reversed: []
        }
    }

    public func canMove(to next: TransferState) -> Bool { successors.contains(next) }
    public var isFinal: Bool { successors.isEmpty }
    /// Nothing more happens to it unless a partner reverses a payout.
    public var isSettled: Bool { successors.isSubset(of: [.reversed, .partiallyPaid]) }
}

/// A payout leg's state, forward only like the transfer's.
public enum LegState: String, Sendable, CaseIterable {
    case pending, dispatched, inDoubt, paid, failed, refunded, redirected, cancelled, reversed

    public var successors: Set<LegState> {
        switch self {
        case .pending: [.dispatched, .cancelled, .failed]  // failed: no partner could take it
        // Cancelled: the partner confirmed it will never pay this payout.
        case .dispatched: [.paid, .inDoubt, .failed, .cancelled]
        case .inDoubt: [.paid, .failed, .cancelled]
        case .failed: [.refunded, .redirected]
        case .paid: [.reversed]
        // Its money is paid through the first leg's destination; refunded if that refuses it too.
        case .redirected: [.refunded]
        case .refunded, .cancelled, .reversed: []
        }
    }

    public func canMove(to next: LegState) -> Bool { successors.contains(next) }
}

/// A client-chosen 128-bit transfer id, as 16 bytes in the order of its UUID text.
public struct TransferID: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let high: UInt64
    public let low: UInt64

    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    public var bytes: [UInt8] {
        [UInt8](unsafeUninitializedCapacity: 16) { buffer, count in
            for index in 0..<8 {
                buffer[index] = UInt8(truncatingIfNeeded: high >> (56 - 8 * UInt64(index)))
                buffer[8 + index] = UInt8(truncatingIfNeeded: low >> (56 - 8 * UInt64(index)))
            }
            count = 16
        }
    }

    public init?(bytes: [UInt8]) {
        guard bytes.count == 16 else { return nil }
        high = bytes[0..<8].reduce(0) { $0 << 8 | UInt64($1) }
        low = bytes[8..<16].reduce(0) { $0 << 8 | UInt64($1) }
    }

    /// The UUID text form, lowercase: `0191f3c2-7a10-7c4e-9d2b-3f6a8e1c5b07`.
    public var description: String {
        let digits: StaticString = "0123456789abcdef"
        return String(unsafeUninitializedCapacity: 36) { buffer in
            var out = 0
            for index in 0..<32 {
                if index == 8 || index == 12 || index == 16 || index == 20 {
                    buffer[out] = UInt8(ascii: "-")
                    out += 1
                }
                let word = index < 16 ? high : low
                let nibble = Int((word >> UInt64(60 - 4 * (index % 16))) & 0xF)
                buffer[out] = digits.utf8Start[nibble]
                out += 1
            }
            return out
        }
    }

    public static func < (lhs: TransferID, rhs: TransferID) -> Bool { (lhs.high, lhs.low) < (rhs.high, rhs.low) }
}

/// The number of a rejection or failure reason, from the error catalogue of PROTOCOL.md
/// section 7; the domain and the ledger name only the few they produce themselves.
public struct ReasonCode: RawRepresentable, Hashable, Sendable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let none = ReasonCode(rawValue: 0)
    public static let insufficientFunds = ReasonCode(rawValue: 5001)
}

extension TransferID {
    /// Parses the UUID text form (`0191f3c2-7a10-7c4e-9d2b-3f6a8e1c5b07`, either case), or 32
    /// hexadecimal digits without hyphens.
    public init?(uuid text: String) {
        let parsed: (UInt64, UInt64)?
        if let contiguous = text.utf8.withContiguousStorageIfAvailable({ Self.parse(UnsafeRawBufferPointer($0)) }) {
            parsed = contiguous
        } else {
            parsed = Array(text.utf8).withUnsafeBytes { Self.parse($0) }
        }
        guard let words = parsed else { return nil }
        self.init(high: words.0, low: words.1)
    }

    /// The two words of a UUID's text, hyphenated (36 bytes) or not (32), or nil.
    private static func parse(_ bytes: UnsafeRawBufferPointer) -> (UInt64, UInt64)? {
        let hyphenated = bytes.count == 36
        guard hyphenated || bytes.count == 32 else { return nil }
        if hyphenated {
            for position in [8, 13, 18, 23] where bytes[position] != UInt8(ascii: "-") { return nil }
        }
        var words: (UInt64, UInt64) = (0, 0)
        var digits = 0
        for (position, byte) in bytes.enumerated() {
            if hyphenated && (position == 8 || position == 13 || position == 18 || position == 23) { continue }
            let value: UInt8
            switch byte {
            case 48...57: value = byte - 48
            case 65...70: value = byte - 55
            case 97...102: value = byte - 87
            default: return nil
            }
            if digits < 16 { words.0 = words.0 << 4 | UInt64(value) } else { words.1 = words.1 << 4 | UInt64(value) }
            digits += 1
        }
        return words
    }
}
