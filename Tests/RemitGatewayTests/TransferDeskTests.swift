@testable import RemitGateway
import NIOCore
import RemitDomain
import RemitLedger
import RemitProtocol
import XCTest

final class TransferDeskTests: XCTestCase {
    let desk: TransferDesk = {
        var configuration = try! GatewayConfiguration.parse(
            DemoEnvironment.configuration(listen: "127.0.0.1:1", adminListen: "127.0.0.1:2"), file: "x.toml")
        configuration.ledger.holdExpiryMs = 86_400_000
        return SessionEnvironment.desk(configuration)
    }()

    let usd = try! Currency("USD")

    func transfer(_ change: (inout Transfer) -> Void = { _ in }) -> Transfer {
        var t = Transfer(transferId: ID128(high: 1, low: 2), quoteId: nil, amount: 10_000, senderPhone: 12_025_550_143,
                         beneficiaryPhone: 254_712_345_678, senderDateOfBirth: 0, sendCurrency: CurrencyCode("USD")!,
                         payoutCurrency: CurrencyCode("KES")!, sendCountry: CountryCode("US")!,
                         payoutCountry: CountryCode("KE")!, amountMode: .send, purpose: .familySupport,
                         legFailurePolicy: .refundLeg, operatorReference: "", senderName: "Maria Lopez",
                         senderAccount: "A1", senderAddress: "", senderNationalId: "", senderPlaceOfBirth: "",
                         beneficiaryName: "Grace Wanjiru", beneficiaryAccount: "B1",
                         legs: [Leg(product: .mobileWallet, share: 10_000, account: "254712345678")])
        change(&t)
        return t
    }

    /// The demo's rates, observed at 1,000 ms.
    static let book: [String: ReferenceRate] = Dictionary(uniqueKeysWithValues: DemoEnvironment.rates(now: 1_000).map {
        ("\($0.base)\($0.quote)", $0)
    })

    func context(now: Int64 = 1_000, quote: QuoteRecord? = nil, quoteRequired: Bool = false) -> TransferDesk.Context {
        TransferDesk.Context(now: now, prefundCurrency: usd, quoteRequired: quoteRequired,
                             rates: { Self.book["\($0)\($1)"] }, quote: quote)
    }

    func decision(_ t: Transfer, _ context: TransferDesk.Context? = nil) throws -> TransferSubmission.Decision {
        try desk.submission(operatorId: "ACME", t, context ?? self.context()).decision
    }

    /// A contribution leg names a project that takes contributions in the payout currency; no
    /// partner is asked for it (the ledger pays it into the project's escrow).
    func testAContributionLegNeedsAnOpenProjectInItsCurrency() throws {
        let split = transfer {
            $0.legs = [Leg(product: .mobileWallet, share: 7_000, account: "254712345678"),
                       Leg(product: .projectContribution, share: 3_000, account: "KISUMU-CLINIC")]
        }
        var context = self.context()
        guard case .reject(let unknown, let field) = try decision(split, context) else { return XCTFail() }
        XCTAssertEqual(unknown.rawValue, ErrorCode.unknownProject.rawValue)
        XCTAssertEqual(field, FieldID.legAccount.rawValue)

        context.projects["KISUMU-CLINIC"] = ProjectTerms(currency: "KES", state: "open", deadline: 2_000)
        guard case .accept(let terms) = try decision(split, context) else { return XCTFail() }
        XCTAssertEqual(terms.legs.map(\.product), ["mobileWallet", "projectContribution"])
        XCTAssertEqual(terms.legs.map(\.account), ["254712345678", "KISUMU-CLINIC"])

        for closed in [ProjectTerms(currency: "KES", state: "funded", deadline: 2_000),
                       ProjectTerms(currency: "KES", state: "open", deadline: 1_000),
                       ProjectTerms(currency: "PHP", state: "open", deadline: 2_000)] {
            context.projects["KISUMU-CLINIC"] = closed
            guard case .reject(let code, let field) = try decision(split, context) else { return XCTFail("\(closed)") }
            XCTAssertEqual(code.rawValue, ErrorCode.projectClosed.rawValue, "\(closed)")
            XCTAssertEqual(field, FieldID.legAccount.rawValue)
        }
    }

    /// The project reasons have codes from protocol version 3 on; earlier connections get the
    /// nearest version-1 ones.
    func testProjectReasonsAreSentAsTheirVersionsCodes() {
        for version: UInt8 in [1, 2] {
            XCTAssertEqual(WireMapping.code(.unknownProject, version: version), .invalidAccount)
            XCTAssertEqual(WireMapping.code(.projectClosed, version: version), .noPartnerAvailable)
            XCTAssertEqual(WireMapping.code(.projectRefunded, version: version), .partnerReversed)
            XCTAssertEqual(WireMapping.code(.partnerRejected, version: version), .partnerRejected)
        }
        XCTAssertEqual(WireMapping.code(.unknownProject, version: 3), .unknownProject)
        XCTAssertEqual(WireMapping.code(.projectClosed, version: 3), .projectClosed)
        XCTAssertEqual(WireMapping.code(.projectRefunded, version: 3), .projectRefunded)
        XCTAssertEqual(WireMapping.code(.partnerRejected, version: 3), .partnerRejected)
        XCTAssertEqual(ReasonCode.unknownProject.rawValue, ErrorCode.unknownProject.rawValue)
        XCTAssertEqual(ReasonCode.projectClosed.rawValue, ErrorCode.projectClosed.rawValue)
        XCTAssertEqual(ReasonCode.projectRefunded.rawValue, ErrorCode.projectRefunded.rawValue)
    }

    func testAnAcceptedTransferCarriesItsTerms() throws {
        let submission = try desk.submission(operatorId: "ACME", transfer(), context())
        guard case .accept(let terms) = submission.decision else { return XCTFail("\(submission.decision)") }
        XCTAssertEqual(terms.sendAmount.minorUnits, 10_000)
        XCTAssertEqual(terms.fee.minorUnits, 249)            // 1.99 + 0.5 % of 100.00
        // The mid 129.45 less the corridor's 1 % margin is 128.1555.
        XCTAssertEqual(terms.payoutAmount.minorUnits, 1_281_555)
        XCTAssertEqual(terms.legs.map(\.payoutAmount), [1_281_555])
        XCTAssertEqual(terms.holdExpiresAt, 1_000 + 86_400_000)
        XCTAssertEqual(submission.details.rate, 128_155_500_000)
        XCTAssertEqual(submission.contentHash.count, 32)
    }

    /// MPESA-KE takes at most KES 150,000.00 a payout: a larger wallet leg has no partner and is
    /// refused before any money is held; split so each leg fits, it is accepted.
    func testALegAbovePartnersMaximumsIsRefused() throws {
        var configuration = try GatewayConfiguration.parse(
            DemoEnvironment.configuration(listen: "127.0.0.1:1", adminListen: "127.0.0.1:2")
                .replacingOccurrences(of: "priority = 1\nlatency_ms = 150\n\n[[partner]]\nid = \"KMFI\"",
                                      with: "priority = 1\nmax_amount = \"150000.00\"\n\n[[partner]]\nid = \"KMFI\""),
            file: "x.toml")
        configuration.ledger.holdExpiryMs = 86_400_000
        let capped = SessionEnvironment.desk(configuration)
        XCTAssertEqual(configuration.partners.first?.maximumAmounts, ["KES": 15_000_000])
        // USD 2,000.00 pays out about KES 256,000.
        let large = transfer { $0.amount = 200_000; $0.senderAddress = "1 Main St" }
        guard case .reject(let code, let field) = try capped.submission(operatorId: "ACME", large, context()).decision else {
            return XCTFail()
        }
        XCTAssertEqual(code.rawValue, ErrorCode.noPartnerAvailable.rawValue)
        XCTAssertEqual(field, FieldID.amount.rawValue)
        let split = transfer {
            $0.amount = 200_000
            $0.senderAddress = "1 Main St"
            $0.legs = [Leg(product: .mobileWallet, share: 5_000, account: "254712345678"),
                       Leg(product: .savingsDeposit, share: 5_000, institution: "KMFI", account: "SAV-1")]
        }
        guard case .accept = try capped.submission(operatorId: "ACME", split, context()).decision else { return XCTFail() }
    }

    func testReceiveModePaysExactlyTheAmountAsked() throws {
        guard case .accept(let terms) = try decision(transfer { $0.amountMode = .receive; $0.amount = 1_000_000 }) else {
            return XCTFail()
        }
        XCTAssertEqual(terms.payoutAmount.minorUnits, 1_000_000)
        XCTAssertEqual(terms.sendAmount.minorUnits, 7_804)  // KES 10,000.00 / 128.1555 = USD 78.030…, rounded up
    }

    func testTheContentHashFollowsEveryField() throws {
        let a = try desk.submission(operatorId: "ACME", transfer(), context(now: 1)).contentHash
        XCTAssertEqual(a, try desk.submission(operatorId: "ACME", transfer(), context(now: 2)).contentHash)
        XCTAssertNotEqual(a, try desk.submission(operatorId: "ACME", transfer { $0.beneficiaryName = "Grace W" }, context()).contentHash)
        XCTAssertNotEqual(a, try desk.submission(operatorId: "ACME", transfer { $0.legs[0].account = "2547" }, context()).contentHash)
        // SHA-256 of the canonical bytes, as every ledger has recorded it: a resent transfer must
        // match its stored hash across releases.
        XCTAssertEqual(a.map { String(format: "%02x", $0) }.joined(), "5b303081b1a71065d412fb4bca3cd17155fa9e74c577a15d1f20c84134301fbc")
    }

    /// A transfer received in a batch is hashed from the bytes it arrived in: the same hash as
    /// encoding it gives, over every protocol version, or a resent transfer would not match.
    func testAReceivedTransferHasTheContentHashOfItsEncoding() throws {
        let expected = try desk.submission(operatorId: "ACME", transfer(), context()).contentHash
        for version in FrameHeader.versions {
            var frame = ByteBuffer()
            try Frame(version: version, requestId: 1, message: .submitTransfers(SubmitTransfers(transfers: [transfer()])))
                .encode(into: &frame)
            guard case .submitTransfers(let batch) = try XCTUnwrap(try Frame.decode(from: &frame)).message else {
                return XCTFail("not a SubmitTransfers")
            }
            XCTAssertEqual(try desk.submission(operatorId: "ACME", batch, at: 0, context()).contentHash, expected, "v\(version)")
        }
    }

    func testEachRefusalNamesItsCodeAndField() throws {
        let cases: [((inout Transfer) -> Void, ErrorCode, FieldID)] = [
            ({ $0.transferId = .zero }, .invalidTransferId, .transferId),
            ({ $0.sendCurrency = CurrencyCode("ABC")! }, .unknownCurrency, .sendCurrency),
            ({ $0.payoutCurrency = CurrencyCode("ABC")! }, .unknownCurrency, .payoutCurrency),
            ({ $0.payoutCountry = CountryCode("QQ")! }, .unknownCountry, .payoutCountry),
            ({ $0.sendCurrency = CurrencyCode("GBP")! }, .notPermitted, .sendCurrency),
            ({ $0.amount = 0 }, .invalidAmount, .amount),
            ({ $0.amount = -5 }, .invalidAmount, .amount),
            ({ $0.senderName = "" }, .originatorDataRequired, .senderName),
            ({ $0.senderAccount = "" }, .originatorDataRequired, .senderAccount),
            ({ $0.beneficiaryName = "" }, .beneficiaryDataRequired, .beneficiaryName),
            ({ $0.beneficiaryAccount = "" }, .beneficiaryDataRequired, .beneficiaryAccount),
            ({ $0.senderPhone = 12_345 }, .invalidPhone, .senderPhone),
            ({ $0.legs[0].share = 9_999 }, .legSharesNotWhole, .legShare),
            ({ $0.legs[0].share = 0 }, .legSharesNotWhole, .legShare),
            ({ $0.legs[0].account = "" }, .invalidAccount, .legAccount),
            ({ $0.payoutCountry = CountryCode("UG")! }, .unsupportedCorridor, .payoutCountry),
            ({ $0.legs[0].product = .pensionContribution }, .productNotAllowed, .legProduct),
            ({ $0.amount = 99 }, .amountBelowMinimum, .amount),
            ({ $0.amount = 1_000_001 }, .amountAboveMaximum, .amount),
            ({ $0.amount = .max }, .invalidAmount, .amount),
            ({ $0.quoteId = ID128(high: 9, low: 9) }, .quoteNotFound, .quoteId),
            ({ $0.payoutCountry = CountryCode("GB")!; $0.payoutCurrency = CountryCode("GB").map { _ in CurrencyCode("GBP")! }! },
             .unsupportedCorridor, .payoutCountry),
            ({ $0.legs[0].institution = "KMFI" }, .noPartnerAvailable, .legInstitution),  // KMFI has no wallets
            ({ $0.legs[0].institution = "NOBODY" }, .noPartnerAvailable, .legInstitution),
        ]
        for (index, (change, code, field)) in cases.enumerated() {
            let decision = try decision(transfer(change))
            XCTAssertEqual(decision, .reject(ReasonCode(rawValue: code.rawValue), field: field.rawValue), "case \(index)")
        }
    }

    func testFATFRecommendation16AtTheThreshold() throws {
        // 2026-11-23, with the demo's rates observed then, so that a 1985 birth date is in the past.
        let today: Int64 = 1_795_435_200_000
        let rates = Dictionary(uniqueKeysWithValues: DemoEnvironment.rates(now: today).map { ("\($0.base)\($0.quote)", $0) })
        let context = TransferDesk.Context(now: today, prefundCurrency: usd, rates: { rates["\($0)\($1)"] })
        func decision(_ t: Transfer) throws -> TransferSubmission.Decision { try self.decision(t, context) }
        let refused = ReasonCode(rawValue: ErrorCode.originatorDataRequired.rawValue)
        // USD 999.99 needs names and accounts only; USD 1,000.00 needs more.
        guard case .accept = try decision(transfer { $0.amount = 99_999 }) else { return XCTFail("below the threshold") }
        XCTAssertEqual(try decision(transfer { $0.amount = 100_000 }), .reject(refused, field: FieldID.senderAddress.rawValue))
        for complete: (inout Transfer) -> Void in [
            { $0.senderAddress = "12 Main St, Springfield" },
            { $0.senderNationalId = "X1234567" },
            { $0.senderDateOfBirth = 19_850_412; $0.senderPlaceOfBirth = "Guadalajara, MX" },
        ] {
            guard case .accept = try decision(transfer { $0.amount = 100_000; complete(&$0) }) else { return XCTFail() }
        }
        XCTAssertEqual(try decision(transfer { $0.amount = 100_000; $0.senderDateOfBirth = 19_850_412 }),
                       .reject(refused, field: FieldID.senderPlaceOfBirth.rawValue))
    }

    func testNamesDatesAndWalletAccounts() throws {
        func refused(_ code: ErrorCode, _ field: FieldID) -> TransferSubmission.Decision {
            .reject(ReasonCode(rawValue: code.rawValue), field: field.rawValue)
        }
        for name in ["José Ñúñez", "Nguyễn Thị Minh Khai", "Wanjiru wa Kamau", "O'Brien-Smith", "Мария Иванова",
                     "محمد علي", "王小明", "D. K. Otieno"] {
            guard case .accept = try decision(transfer { $0.senderName = name }) else { return XCTFail(name) }
        }
        for name in ["Maria 2", "R2-D2", " Maria", "Maria  Lopez", "A", "Maria@Lopez", "💸 Maria"] {
            XCTAssertEqual(try decision(transfer { $0.beneficiaryName = name }), refused(.invalidName, .beneficiaryName), name)
        }
        // 1,000 ms after the epoch is 1970-01-01: a birth date after that is in the future.
        XCTAssertEqual(try decision(transfer { $0.senderDateOfBirth = 19_700_102 }), refused(.invalidDate, .senderDateOfBirth))
        XCTAssertEqual(try decision(transfer { $0.senderDateOfBirth = 19_000_230 }), refused(.invalidDate, .senderDateOfBirth))
        guard case .accept = try decision(transfer { $0.senderDateOfBirth = 19_000_101 }) else { return XCTFail() }
        XCTAssertEqual(try decision(transfer { $0.legs[0].account = "07123" }), refused(.invalidAccount, .legAccount))
        XCTAssertEqual(try decision(transfer { $0.legs[0].account = "2547123456ab" }), refused(.invalidAccount, .legAccount))
    }

    func testOperatorLimitsTravelWithTheSubmission() throws {
        var limited = context()
        limited.maxTransaction = 9_999
        XCTAssertEqual(try decision(transfer(), limited),
                       .reject(ReasonCode(rawValue: ErrorCode.operatorTransactionLimit.rawValue), field: FieldID.amount.rawValue))
        limited.maxTransaction = nil
        limited.limits = VolumeLimits(senderDaily: .init(count: 3))
        let submission = try desk.submission(operatorId: "ACME", transfer { $0.senderAccount = "acc-10.01" }, limited)
        XCTAssertEqual(submission.volume?.sender, "ACC1001")
        XCTAssertEqual(submission.volume?.limits.senderDaily.count, 3)
        XCTAssertNil(try desk.submission(operatorId: "ACME", transfer(), context()).volume, "no limits, nothing counted")
    }

    func testNoQuoteOnAStaleOrMissingRate() throws {
        // The demo's corridors accept rates up to a day old.
        guard case .accept = try decision(transfer(), context(now: 1_000 + 86_400_000)) else { return XCTFail("a day-old rate") }
        XCTAssertEqual(try decision(transfer(), context(now: 1_000 + 86_400_001)),
                       .reject(ReasonCode(rawValue: ErrorCode.rateUnavailable.rawValue), field: FieldID.payoutCurrency.rawValue))
        let none = TransferDesk.Context(now: 1_000, prefundCurrency: usd, rates: { _, _ in nil })
        XCTAssertEqual(try decision(transfer(), none),
                       .reject(ReasonCode(rawValue: ErrorCode.rateUnavailable.rawValue), field: FieldID.payoutCurrency.rawValue))
    }

    func testAQuoteIsHonouredExactlyUntilItExpires() throws {
        let request = QuoteRequest(amount: 10_000, sendCurrency: CurrencyCode("USD")!, payoutCurrency: CurrencyCode("KES")!,
                                   sendCountry: CountryCode("US")!, payoutCountry: CountryCode("KE")!, amountMode: .send,
                                   legs: [QuoteLeg(product: .mobileWallet, share: 10_000)])
        let quote = try desk.quote(operatorId: "ACME", request, context(), id: ID128(high: 5, low: 5), ttlMs: 900_000)
        XCTAssertEqual(quote.payoutAmount, 1_281_555)
        XCTAssertEqual(quote.referenceRate, 129_450_000_000)
        let message = quote.message
        XCTAssertEqual(message.rateMargin, 10_000)       // 1 %
        XCTAssertEqual(message.totalCost, 34_900)       // (2.49 + 1.00) / 100.00 = 3.49 %
        XCTAssertEqual(message.expiresAt, 901_000)
        let named = transfer { $0.quoteId = ID128(high: 5, low: 5) }
        // Later, at a rate that has moved: the quote's terms, not today's.
        var moved = context(now: 500_000, quote: quote)
        moved.rates = { _, _ in ReferenceRate(base: try! Currency("USD"), quote: try! Currency("KES"), mid: try! Rate("140"), asOf: 500_000) }
        guard case .accept(let terms) = try decision(named, moved) else { return XCTFail() }
        XCTAssertEqual(terms.payoutAmount.minorUnits, 1_281_555)
        XCTAssertEqual(try decision(named, context(now: 901_001, quote: quote)),
                       .reject(ReasonCode(rawValue: ErrorCode.quoteExpired.rawValue), field: FieldID.quoteId.rawValue))
        XCTAssertEqual(try decision(transfer { $0.quoteId = ID128(high: 5, low: 5); $0.amount = 10_001 }, context(quote: quote)),
                       .reject(ReasonCode(rawValue: ErrorCode.quoteMismatch.rawValue), field: FieldID.quoteId.rawValue))
        XCTAssertEqual(try decision(transfer { $0.quoteId = ID128(high: 5, low: 5); $0.legs[0].product = .savingsDeposit },
                                    context(quote: quote)),
                       .reject(ReasonCode(rawValue: ErrorCode.quoteMismatch.rawValue), field: FieldID.quoteId.rawValue))
        XCTAssertEqual(try decision(transfer(), context(quoteRequired: true)),
                       .reject(ReasonCode(rawValue: ErrorCode.quoteRequired.rawValue), field: FieldID.quoteId.rawValue))
    }

    static let instruction = StandingInstructionRecord(
        operatorId: "ACME", beneficiaryAccount: "B1", reference: "",
        legs: [.init(product: "savingsDeposit", share: 1_000, institution: "KMFI", account: "SAV-1"),
               .init(product: "loanRepayment", share: 500, institution: "KMFI", account: "LN-1")],
        revision: 3, updatedAt: 1)

    /// The transfer's own leg keeps what the instruction leaves and stays first; the revision
    /// applied is recorded; a quote for the one leg is split by the instruction's shares.
    func testAStandingInstructionSplitsTheOneLeg() throws {
        var withInstruction = context()
        withInstruction.standingInstruction = Self.instruction
        let submission = try desk.submission(operatorId: "ACME", transfer { $0.applyStandingInstruction = true }, withInstruction)
        guard case .accept(let terms) = submission.decision else { return XCTFail("\(submission.decision)") }
        XCTAssertEqual(terms.legs.map(\.product), ["mobileWallet", "savingsDeposit", "loanRepayment"])
        XCTAssertEqual(terms.legs.map(\.share), [8_500, 1_000, 500])
        XCTAssertEqual(terms.legs.map(\.payoutAmount), [1_089_323, 128_155, 64_077])  // remainder to the first leg
        XCTAssertEqual(terms.legs.map(\.payoutAmount).reduce(0, +), terms.payoutAmount.minorUnits)
        XCTAssertEqual(submission.details.standingInstructionRevision, 3)
        // Without the option the instruction is ignored, and no revision is recorded.
        let plain = try desk.submission(operatorId: "ACME", transfer(), withInstruction)
        guard case .accept(let plainTerms) = plain.decision else { return XCTFail() }
        XCTAssertEqual(plainTerms.legs.count, 1)
        XCTAssertNil(plain.details.standingInstructionRevision)
        // The content hash is the transfer as sent: the option counts, the instruction does not.
        XCTAssertNotEqual(plain.contentHash, submission.contentHash)

        let request = QuoteRequest(amount: 10_000, sendCurrency: CurrencyCode("USD")!, payoutCurrency: CurrencyCode("KES")!,
                                   sendCountry: CountryCode("US")!, payoutCountry: CountryCode("KE")!, amountMode: .send,
                                   legs: [QuoteLeg(product: .mobileWallet, share: 10_000)])
        let quote = try desk.quote(operatorId: "ACME", request, context(), id: ID128(high: 5, low: 5), ttlMs: 900_000)
        var quoted = context(quote: quote)
        quoted.standingInstruction = Self.instruction
        guard case .accept(let quotedTerms) = try decision(transfer {
            $0.quoteId = ID128(high: 5, low: 5)
            $0.applyStandingInstruction = true
        }, quoted) else { return XCTFail() }
        XCTAssertEqual(quotedTerms.payoutAmount.minorUnits, quote.payoutAmount)
        XCTAssertEqual(quotedTerms.legs.map(\.payoutAmount), [1_089_323, 128_155, 64_077])
    }

    func testStandingInstructionRefusals() throws {
        func refused(_ code: ErrorCode, _ field: FieldID) -> TransferSubmission.Decision {
            .reject(ReasonCode(rawValue: code.rawValue), field: field.rawValue)
        }
        var withInstruction = context()
        withInstruction.standingInstruction = Self.instruction
        XCTAssertEqual(try decision(transfer { $0.applyStandingInstruction = true }),
                       refused(.noStandingInstruction, .beneficiaryAccount))
        var deleted = context()
        deleted.standingInstruction = StandingInstructionRecord(operatorId: "ACME", beneficiaryAccount: "B1", reference: "",
                                                                legs: [], revision: 4)
        XCTAssertEqual(try decision(transfer { $0.applyStandingInstruction = true }, deleted),
                       refused(.noStandingInstruction, .beneficiaryAccount))
        XCTAssertEqual(try decision(transfer {
            $0.applyStandingInstruction = true
            $0.legs = [Leg(product: .mobileWallet, share: 5_000, account: "254712345678"),
                       Leg(product: .mobileWallet, share: 5_000, account: "254712345679")]
        }, withInstruction), refused(.standingInstructionNeedsOneLeg, .legs))
        // A product the corridor does not offer is refused per transfer, naming the instruction's leg.
        var pension = context()
        pension.standingInstruction = StandingInstructionRecord(
            operatorId: "ACME", beneficiaryAccount: "B1", reference: "",
            legs: [.init(product: "pensionContribution", share: 1_000, institution: "", account: "P-1")], revision: 1)
        let submission = try desk.submission(operatorId: "ACME", transfer { $0.applyStandingInstruction = true }, pension)
        XCTAssertEqual(submission.decision, refused(.productNotAllowed, .legProduct))

        XCTAssertThrowsError(try desk.checkStandingInstruction(beneficiaryAccount: "B1", legs: [
            Leg(product: .savingsDeposit, share: 9_999, institution: "KMFI", account: "S"),
            Leg(product: .loanRepayment, share: 1, institution: "KMFI", account: "L"),
        ])) { XCTAssertEqual(($0 as? TransferDesk.Refusal)?.code, .legSharesNotWhole) }
        XCTAssertNoThrow(try desk.checkStandingInstruction(beneficiaryAccount: "B1", legs: [
            Leg(product: .savingsDeposit, share: 9_998, institution: "KMFI", account: "S"),
            Leg(product: .loanRepayment, share: 1, institution: "KMFI", account: "L"),
        ]))
    }

    func testEveryLedgerStateHasAWireState() {
        for state in RemitDomain.TransferState.allCases { XCTAssertEqual("\(WireMapping.state(state))", state.rawValue) }
        for state in RemitDomain.LegState.allCases { XCTAssertEqual("\(WireMapping.state(state))", state.rawValue) }
        // The ledger's reason for insufficient funds is the protocol's error code.
        XCTAssertEqual(ReasonCode.insufficientFunds.rawValue, ErrorCode.insufficientFunds.rawValue)
    }
}
