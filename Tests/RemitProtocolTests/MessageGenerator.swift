import RemitProtocol

/// SplitMix64: a small, seeded generator so every failure reproduces from its seed.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Random but valid messages of every type, for round-trip properties and the fuzz corpus.
struct MessageGenerator {
    var rng: SeededGenerator
    var limits = ProtocolLimits(maxBatchTransfers: 12)
    /// The version of the frame being generated: what its messages may carry.
    var version: UInt8 = 1

    init(seed: UInt64) { rng = SeededGenerator(seed: seed) }

    mutating func int<T: FixedWidthInteger>(_ type: T.Type = T.self) -> T { T.random(in: T.min...T.max, using: &rng) }
    mutating func int<T: FixedWidthInteger>(_ range: ClosedRange<T>) -> T { T.random(in: range, using: &rng) }
    mutating func bool() -> Bool { Bool.random(using: &rng) }
    mutating func pick<E: WireEnum>(_ type: E.Type = E.self) -> E { E.allCases.randomElement(using: &rng)! }

    /// Lengths cluster at 0, at the maximum, and in between, where the bugs live.
    mutating func length(_ max: Int) -> Int {
        switch int(0...3) {
        case 0: return 0
        case 1: return max
        default: return int(0...max)
        }
    }

    static let alphabet: [Character] = ["a", "Z", "0", " ", "-", ".", "é", "Ñ", "ü", "ß", "中", "文", "👩🏽‍🌾", "ا", "ह"]

    mutating func text(max: Int) -> String {
        let target = length(max)
        var out = ""
        while true {
            let character = Self.alphabet.randomElement(using: &rng)!
            if out.utf8.count + character.utf8.count > target { break }
            out.append(character)
        }
        return out
    }

    mutating func ascii(max: Int) -> String {
        String(decoding: (0..<length(max)).map { _ in int(UInt8(0x21)...0x7E) }, as: UTF8.self)
    }

    mutating func id() -> ID128 { ID128(high: int(), low: int()) }
    mutating func nonZeroID() -> ID128 { ID128(high: int(), low: int(1...UInt64.max)) }
    mutating func currency() -> CurrencyCode { CurrencyCode(String(decoding: (0..<3).map { _ in int(UInt8(65)...90) }, as: UTF8.self))! }
    mutating func country() -> CountryCode { CountryCode(String(decoding: (0..<2).map { _ in int(UInt8(65)...90) }, as: UTF8.self))! }
    mutating func msisdn() -> UInt64 { bool() ? 0 : int(0...FieldLimit.maxMSISDN) }
    mutating func errorCode() -> ErrorCode { ErrorCode(rawValue: ErrorCode.catalogue.keys.randomElement(using: &rng)!) }
    mutating func fieldID() -> FieldID { FieldID(rawValue: FieldID.names.keys.randomElement(using: &rng)!) }
    mutating func count(_ min: Int, _ max: Int) -> Int { int(min...max) }

    /// Version 3: an id string, 1 to 34 of letters, digits, '-', '.' and '_'.
    mutating func identifier() -> String {
        let characters = Array("AZaz09-._")
        return String((0..<int(1...FieldLimit.identifier)).map { _ in characters.randomElement(using: &rng)! })
    }

    mutating func receipt() -> Receipt {
        Receipt(number: int(), transferId: bool() ? nil : nonZeroID(), amount: int(), receivedAt: int(),
                legIndex: int(), state: pick(), sendCountry: country(), contributorName: text(max: FieldLimit.name),
                matches: (0..<count(0, ProjectLimit.matchesPerReceipt)).map { _ in
                    Receipt.Match(amount: int(), sponsorId: identifier())
                })
    }

    mutating func leg() -> Leg {
        Leg(product: pick(), share: int(), institution: ascii(max: FieldLimit.institution),
            account: ascii(max: FieldLimit.account))
    }

    mutating func transfer() -> Transfer {
        let legs = (0..<count(1, limits.maxLegsPerTransfer)).map { _ in leg() }
        return Transfer(
            transferId: id(), quoteId: bool() ? nil : nonZeroID(), amount: int(), senderPhone: msisdn(),
            beneficiaryPhone: msisdn(), senderDateOfBirth: int(), sendCurrency: currency(), payoutCurrency: currency(),
            sendCountry: country(), payoutCountry: country(), amountMode: pick(), purpose: pick(),
            legFailurePolicy: pick(), applyStandingInstruction: version >= 2 && bool(),
            operatorReference: text(max: FieldLimit.operatorReference),
            senderName: text(max: FieldLimit.name), senderAccount: ascii(max: FieldLimit.account),
            senderAddress: text(max: FieldLimit.address), senderNationalId: text(max: FieldLimit.nationalId),
            senderPlaceOfBirth: text(max: FieldLimit.placeOfBirth), beneficiaryName: text(max: FieldLimit.name),
            beneficiaryAccount: ascii(max: FieldLimit.account), legs: legs)
    }

    mutating func message(_ type: MessageType) -> Message {
        switch type {
        case .hello:
            let low: UInt8 = int(1...UInt8.max)
            return .hello(Hello(minVersion: low, maxVersion: int(low...UInt8.max), clientName: text(max: FieldLimit.clientName)))
        case .welcome:
            return .welcome(Welcome(
                version: int(), maxLegsPerTransfer: int(), maxBodyLength: int(), maxBatchTransfers: int(),
                maxInFlightRequests: int(), heartbeatIntervalMs: int(), idleTimeoutMs: int(), eventWindow: int(),
                serverTime: int(), sessionId: int(), operatorId: ascii(max: FieldLimit.operatorId),
                serverName: text(max: FieldLimit.serverName)))
        case .heartbeat: return .heartbeat(Heartbeat(sentAt: int()))
        case .heartbeatAck: return .heartbeatAck(HeartbeatAck(echoedSentAt: int(), serverTime: int()))
        case .error:
            return .error(ErrorMessage(code: errorCode(), fieldId: fieldID(), entryIndex: bool() ? nil : int(0...0xFFFF_FFFE),
                                       retryAfterMs: int(), detail: text(max: FieldLimit.detail)))
        case .quoteRequest:
            return .quoteRequest(QuoteRequest(
                amount: int(), sendCurrency: currency(), payoutCurrency: currency(), sendCountry: country(),
                payoutCountry: country(), amountMode: pick(),
                legs: (0..<count(1, limits.maxLegsPerTransfer)).map { _ in
                    QuoteLeg(product: pick(), share: int(), institution: ascii(max: FieldLimit.institution))
                }))
        case .quote:
            return .quote(Quote(
                quoteId: id(), sendAmount: int(), fee: int(), payoutAmount: int(), rate: int(), referenceRate: int(),
                createdAt: int(), expiresAt: int(), rateMargin: int(), totalCost: int(), sendCurrency: currency(),
                payoutCurrency: currency(), sendCountry: country(), payoutCountry: country(), amountMode: pick(),
                legs: (0..<count(1, limits.maxLegsPerTransfer)).map { _ in
                    QuotedLeg(product: pick(), share: int(), payoutAmount: int(),
                              institution: ascii(max: FieldLimit.institution))
                }))
        case .submitTransfers:
            return .submitTransfers(SubmitTransfers(transfers: (0..<count(1, limits.maxBatchTransfers)).map { _ in transfer() }))
        case .submitTransfersResult:
            return .submitTransfersResult(SubmitTransfersResult(results: (0..<count(1, limits.maxBatchTransfers)).map { _ in
                TransferResult(transferId: id(), sendAmount: int(), fee: int(), payoutAmount: int(), recordedAt: int(),
                               errorCode: bool() ? .none : errorCode(), fieldId: fieldID(), state: pick(),
                               replayed: bool(), legIndex: bool() ? nil : int(0...0xFE))
            }))
        case .getTransfer: return .getTransfer(GetTransfer(transferId: id()))
        case .cancelTransfer: return .cancelTransfer(CancelTransfer(transferId: id(), reason: text(max: FieldLimit.reason)))
        case .transferStatus:
            return .transferStatus(TransferStatus(
                transferId: id(), quoteId: bool() ? nil : nonZeroID(), sendAmount: int(), fee: int(),
                payoutAmount: int(), rate: int(), createdAt: int(), updatedAt: int(), lastEventSequence: int(),
                errorCode: bool() ? .none : errorCode(), state: pick(), sendCurrency: currency(),
                payoutCurrency: currency(), sendCountry: country(), payoutCountry: country(),
                operatorReference: text(max: FieldLimit.operatorReference),
                legs: (0..<count(0, limits.maxLegsPerTransfer)).map { _ in
                    LegStatus(product: pick(), state: pick(), share: int(), errorCode: bool() ? .none : errorCode(),
                              payoutAmount: int(), institution: ascii(max: FieldLimit.institution),
                              partnerReference: ascii(max: FieldLimit.partnerReference))
                }))
        case .subscribe: return .subscribe(Subscribe(afterSequence: int()))
        case .subscribed: return .subscribed(Subscribed(oldestSequence: int(), latestSequence: int()))
        case .event:
            return .event(Event(sequence: int(), transferId: id(), occurredAt: int(),
                                errorCode: bool() ? .none : errorCode(),
                                change: bool() ? .transfer(pick()) : .leg(index: int(0...0xFE), state: pick()),
                                partnerReference: ascii(max: FieldLimit.partnerReference)))
        case .eventAck: return .eventAck(EventAck(throughSequence: int()))
        case .setStandingInstruction:
            return .setStandingInstruction(SetStandingInstruction(
                beneficiaryAccount: ascii(max: FieldLimit.account), reference: text(max: FieldLimit.operatorReference),
                legs: (0..<count(0, limits.maxLegsPerTransfer - 1)).map { _ in leg() }))
        case .getStandingInstruction:
            return .getStandingInstruction(GetStandingInstruction(beneficiaryAccount: ascii(max: FieldLimit.account)))
        case .standingInstruction:
            return .standingInstruction(StandingInstruction(
                updatedAt: int(), revision: int(), beneficiaryAccount: ascii(max: FieldLimit.account),
                reference: text(max: FieldLimit.operatorReference),
                legs: (0..<count(0, limits.maxLegsPerTransfer - 1)).map { _ in leg() }))
        case .openProject:
            return .openProject(OpenProject(
                projectId: identifier(), associationId: identifier(), associationName: text(max: FieldLimit.projectText),
                title: text(max: FieldLimit.projectText), target: int(), deadline: int(), currency: currency(),
                country: country(), refundPolicy: pick(), institution: ascii(max: FieldLimit.institution),
                account: ascii(max: FieldLimit.account),
                milestones: (0..<count(1, ProjectLimit.milestones)).map { _ in
                    OpenProject.Milestone(amount: int(), description: text(max: FieldLimit.projectText))
                }))
        case .getProject: return .getProject(GetProject(projectId: identifier(), afterReceipt: int()))
        case .getContributionReceipt:
            return .getContributionReceipt(GetContributionReceipt(transferId: id(), legIndex: int()))
        case .projectStatement:
            return .projectStatement(ProjectStatement(
                target: int(), contributed: int(), matched: int(), escrow: int(), disbursed: int(), deadline: int(),
                contributions: int(), currency: currency(), country: country(), state: pick(), refundPolicy: pick(),
                projectId: identifier(), associationId: identifier(), associationName: text(max: FieldLimit.projectText),
                title: text(max: FieldLimit.projectText), institution: ascii(max: FieldLimit.institution),
                account: ascii(max: FieldLimit.account),
                sponsors: (0..<count(0, ProjectLimit.sponsors)).map { _ in
                    ProjectStatement.Sponsor(
                        ratioPpm: int(), projectCap: int(), contributorCap: int(), minContribution: int(), matched: int(),
                        returned: int(), sponsorId: identifier(), name: text(max: FieldLimit.projectText),
                        sendCountries: ascii(max: FieldLimit.sendCountries))
                },
                milestones: (0..<count(1, ProjectLimit.milestones)).map { _ in
                    ProjectStatement.Milestone(amount: int(), disbursed: int(), state: pick(),
                                               description: text(max: FieldLimit.projectText))
                },
                receipts: (0..<count(0, 12)).map { _ in receipt() }))
        case .contributionReceipt:
            return .contributionReceipt(ContributionReceipt(
                receipt: receipt(), currency: currency(), projectId: identifier(), title: text(max: FieldLimit.projectText)))
        }
    }

    mutating func frame(_ type: MessageType) -> Frame {
        let requestId: UInt64
        switch type {
        case .event, .eventAck: requestId = 0
        case .error: requestId = bool() ? 0 : int(1...UInt64.max)
        default: requestId = int(1...UInt64.max)
        }
        // Hello and Welcome travel in version 1; others in any version that has them.
        switch type {
        case .hello, .welcome: version = 1
        default: version = int(type.version...FrameHeader.versions.upperBound)
        }
        return Frame(version: version, requestId: requestId, message: message(type))
    }
}
