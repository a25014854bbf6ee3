/// A numbered error from the catalogue in PROTOCOL.md section 7.
///
/// A struct rather than an enum so that 0 ("no error") fits the same u16 field the wire uses;
/// decoding refuses values outside the catalogue.
///
/// ```swift
/// ErrorCode.quoteExpired.rawValue   // 7002
/// ErrorCode.quoteExpired.name       // "QUOTE_EXPIRED"
/// ErrorCode.quoteExpired.retry      // .fix
/// ```
public struct ErrorCode: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// What a client may do after this error.
    public enum Retry: String, Sendable {
        /// The same request fails the same way.
        case no
        /// Retry the same request, same transfer ids, after `retryAfterMs`.
        case yes
        /// Correct the request and send it with a new transfer id.
        case fix
    }

    public static let none = ErrorCode(rawValue: 0)
    // 1xxx malformed
    public static let badMagic = ErrorCode(rawValue: 1001)
    public static let unsupportedVersion = ErrorCode(rawValue: 1002)
    public static let frameTooLarge = ErrorCode(rawValue: 1003)
    public static let checksumMismatch = ErrorCode(rawValue: 1004)
    public static let unknownMessageType = ErrorCode(rawValue: 1005)
    public static let reservedNotZero = ErrorCode(rawValue: 1006)
    public static let truncated = ErrorCode(rawValue: 1007)
    public static let trailingBytes = ErrorCode(rawValue: 1008)
    public static let fieldTooLong = ErrorCode(rawValue: 1009)
    public static let invalidUTF8 = ErrorCode(rawValue: 1010)
    public static let invalidValue = ErrorCode(rawValue: 1011)
    public static let blockLengthTooSmall = ErrorCode(rawValue: 1012)
    public static let tooManyEntries = ErrorCode(rawValue: 1013)
    public static let unexpectedMessage = ErrorCode(rawValue: 1014)
    public static let duplicateRequestId = ErrorCode(rawValue: 1015)
    // 2xxx validation
    public static let invalidAmount = ErrorCode(rawValue: 2001)
    public static let unknownCurrency = ErrorCode(rawValue: 2002)
    public static let unknownCountry = ErrorCode(rawValue: 2003)
    public static let invalidPhone = ErrorCode(rawValue: 2004)
    public static let invalidName = ErrorCode(rawValue: 2005)
    public static let legSharesNotWhole = ErrorCode(rawValue: 2006)
    public static let productNotAllowed = ErrorCode(rawValue: 2007)
    public static let missingField = ErrorCode(rawValue: 2008)
    public static let invalidDate = ErrorCode(rawValue: 2009)
    public static let unsupportedCorridor = ErrorCode(rawValue: 2010)
    public static let amountBelowMinimum = ErrorCode(rawValue: 2011)
    public static let amountAboveMaximum = ErrorCode(rawValue: 2012)
    public static let duplicateInBatch = ErrorCode(rawValue: 2013)
    public static let invalidTransferId = ErrorCode(rawValue: 2014)
    public static let invalidAccount = ErrorCode(rawValue: 2015)
    /// Version 2: the transfer applies a standing instruction the beneficiary does not have.
    public static let noStandingInstruction = ErrorCode(rawValue: 2016)
    /// Version 2: a transfer that applies a standing instruction has one leg of share 10000.
    public static let standingInstructionNeedsOneLeg = ErrorCode(rawValue: 2017)
    /// Version 3: no project has this id.
    public static let unknownProject = ErrorCode(rawValue: 2018)
    // 3xxx identity and authorization
    public static let unknownOperator = ErrorCode(rawValue: 3001)
    public static let operatorSuspended = ErrorCode(rawValue: 3002)
    public static let notFound = ErrorCode(rawValue: 3003)
    public static let notPermitted = ErrorCode(rawValue: 3004)
    // 4xxx idempotency and state
    public static let idReused = ErrorCode(rawValue: 4001)
    public static let notCancellable = ErrorCode(rawValue: 4003)
    public static let eventsPruned = ErrorCode(rawValue: 4005)
    /// Version 2: a partner did not confirm a cancellation in time; nothing is known to have changed.
    public static let cancelUnconfirmed = ErrorCode(rawValue: 4006)
    /// Version 3: the project takes no contributions (funded, past its deadline, refunded, another currency).
    public static let projectClosed = ErrorCode(rawValue: 4007)
    /// Version 3: the project or association id is registered already, with other details.
    public static let projectExists = ErrorCode(rawValue: 4008)
    // 5xxx limits and liquidity
    public static let insufficientFunds = ErrorCode(rawValue: 5001)
    public static let rateLimited = ErrorCode(rawValue: 5002)
    public static let senderDailyLimit = ErrorCode(rawValue: 5006)
    public static let senderMonthlyLimit = ErrorCode(rawValue: 5007)
    public static let beneficiaryLimit = ErrorCode(rawValue: 5008)
    public static let operatorTransactionLimit = ErrorCode(rawValue: 5009)
    public static let operatorDailyLimit = ErrorCode(rawValue: 5010)
    public static let tooManyConnections = ErrorCode(rawValue: 5011)
    /// Version 2: the operator has as many standing instructions as it may keep.
    public static let standingInstructionLimit = ErrorCode(rawValue: 5012)
    // 6xxx compliance
    public static let sanctionsMatchSender = ErrorCode(rawValue: 6001)
    public static let sanctionsMatchBeneficiary = ErrorCode(rawValue: 6002)
    public static let originatorDataRequired = ErrorCode(rawValue: 6004)
    public static let beneficiaryDataRequired = ErrorCode(rawValue: 6005)
    // 7xxx quotes
    public static let quoteNotFound = ErrorCode(rawValue: 7001)
    public static let quoteExpired = ErrorCode(rawValue: 7002)
    public static let quoteMismatch = ErrorCode(rawValue: 7003)
    public static let quoteRequired = ErrorCode(rawValue: 7004)
    public static let rateUnavailable = ErrorCode(rawValue: 7005)
    // 8xxx partners
    public static let noPartnerAvailable = ErrorCode(rawValue: 8001)
    public static let partnerRejected = ErrorCode(rawValue: 8002)
    public static let partnerUnreachable = ErrorCode(rawValue: 8003)
    public static let partnerReversed = ErrorCode(rawValue: 8004)
    /// Version 3: the contribution was returned: its project missed its deadline.
    public static let projectRefunded = ErrorCode(rawValue: 8005)
    // 9xxx server, retryable
    public static let serverBusy = ErrorCode(rawValue: 9001)
    public static let shuttingDown = ErrorCode(rawValue: 9002)
    public static let storageUnavailable = ErrorCode(rawValue: 9003)
    public static let internalError = ErrorCode(rawValue: 9004)
    public static let timeout = ErrorCode(rawValue: 9005)

    /// Every code of the catalogue: name and retry advice, in the order of PROTOCOL.md.
    public static let catalogue: [UInt16: (name: String, retry: Retry)] = [
        1001: ("BAD_MAGIC", .no), 1002: ("UNSUPPORTED_VERSION", .no), 1003: ("FRAME_TOO_LARGE", .fix),
        1004: ("CHECKSUM_MISMATCH", .no), 1005: ("UNKNOWN_MESSAGE_TYPE", .no),
        1006: ("RESERVED_NOT_ZERO", .no), 1007: ("TRUNCATED", .no), 1008: ("TRAILING_BYTES", .no),
        1009: ("FIELD_TOO_LONG", .fix), 1010: ("INVALID_UTF8", .fix), 1011: ("INVALID_VALUE", .fix),
        1012: ("BLOCK_LENGTH_TOO_SMALL", .no), 1013: ("TOO_MANY_ENTRIES", .fix),
        1014: ("UNEXPECTED_MESSAGE", .no), 1015: ("DUPLICATE_REQUEST_ID", .no),
        2001: ("INVALID_AMOUNT", .fix), 2002: ("UNKNOWN_CURRENCY", .fix), 2003: ("UNKNOWN_COUNTRY", .fix),
        2004: ("INVALID_PHONE", .fix), 2005: ("INVALID_NAME", .fix), 2006: ("LEG_SHARES_NOT_WHOLE", .fix),
        2007: ("PRODUCT_NOT_ALLOWED", .fix), 2008: ("MISSING_FIELD", .fix), 2009: ("INVALID_DATE", .fix),
        2010: ("UNSUPPORTED_CORRIDOR", .fix), 2011: ("AMOUNT_BELOW_MINIMUM", .fix),
        2012: ("AMOUNT_ABOVE_MAXIMUM", .fix), 2013: ("DUPLICATE_IN_BATCH", .fix),
        2014: ("INVALID_TRANSFER_ID", .fix), 2015: ("INVALID_ACCOUNT", .fix),
        2016: ("NO_STANDING_INSTRUCTION", .fix), 2017: ("STANDING_INSTRUCTION_NEEDS_ONE_LEG", .fix),
        2018: ("UNKNOWN_PROJECT", .fix),
        3001: ("UNKNOWN_OPERATOR", .no), 3002: ("OPERATOR_SUSPENDED", .no), 3003: ("NOT_FOUND", .no),
        3004: ("NOT_PERMITTED", .no),
        4001: ("ID_REUSED", .fix), 4003: ("NOT_CANCELLABLE", .no), 4005: ("EVENTS_PRUNED", .no),
        4006: ("CANCEL_UNCONFIRMED", .yes), 4007: ("PROJECT_CLOSED", .fix), 4008: ("PROJECT_EXISTS", .fix),
        5001: ("INSUFFICIENT_FUNDS", .fix), 5002: ("RATE_LIMITED", .yes), 5006: ("SENDER_DAILY_LIMIT", .fix),
        5007: ("SENDER_MONTHLY_LIMIT", .fix), 5008: ("BENEFICIARY_LIMIT", .fix),
        5009: ("OPERATOR_TRANSACTION_LIMIT", .fix), 5010: ("OPERATOR_DAILY_LIMIT", .fix),
        5011: ("TOO_MANY_CONNECTIONS", .yes), 5012: ("STANDING_INSTRUCTION_LIMIT", .fix),
        6001: ("SANCTIONS_MATCH_SENDER", .no), 6002: ("SANCTIONS_MATCH_BENEFICIARY", .no),
        6004: ("ORIGINATOR_DATA_REQUIRED", .fix), 6005: ("BENEFICIARY_DATA_REQUIRED", .fix),
        7001: ("QUOTE_NOT_FOUND", .fix), 7002: ("QUOTE_EXPIRED", .fix), 7003: ("QUOTE_MISMATCH", .fix),
        7004: ("QUOTE_REQUIRED", .fix), 7005: ("RATE_UNAVAILABLE", .yes),
        8001: ("NO_PARTNER_AVAILABLE", .fix), 8002: ("PARTNER_REJECTED", .no),
        8003: ("PARTNER_UNREACHABLE", .no), 8004: ("PARTNER_REVERSED", .no), 8005: ("PROJECT_REFUNDED", .no),
        9001: ("SERVER_BUSY", .yes), 9002: ("SHUTTING_DOWN", .yes), 9003: ("STORAGE_UNAVAILABLE", .yes),
        9004: ("INTERNAL_ERROR", .yes), 9005: ("TIMEOUT", .yes),
    ]

    /// True for 0 and every catalogued code.
    public var isKnown: Bool { rawValue == 0 || ErrorCode.catalogue[rawValue] != nil }
    public var name: String { rawValue == 0 ? "NONE" : ErrorCode.catalogue[rawValue]?.name ?? "UNKNOWN_\(rawValue)" }
    public var retry: Retry { ErrorCode.catalogue[rawValue]?.retry ?? .no }
    public var description: String { "\(rawValue) \(name)" }

    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(UInt16.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}
