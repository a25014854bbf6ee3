import NIOCore
import RemitProtocol

/// The example messages behind `Protocol/vectors/`: one or more of every message type, with
/// amounts that agree with each other the way the gateway computes them.
enum Samples {
    static let noon: Int64 = 1_795_435_200_000  // 2026-11-23T12:00:00Z
    static let usd = CurrencyCode("USD")!
    static let kes = CurrencyCode("KES")!
    static let us = CountryCode("US")!
    static let ke = CountryCode("KE")!
    static let transferId = ID128("0191f3c2-7a10-7c4e-9d2b-3f6a8e1c5b07")!
    static let splitTransferId = ID128("0191f3c2-7a10-7c4e-9d2b-3f6a8e1c5b08")!
    static let quoteId = ID128("6f1c0f9e-52a4-4d4b-8a57-0c2f1e9b3d11")!

    /// The worked example of PROTOCOL.md section 12: USD 100.00 to an M-Pesa wallet in Kenya.
    static let walletTransfer = Transfer(
        transferId: transferId, amount: 10_000, senderPhone: 12_025_550_143, beneficiaryPhone: 254_712_345_678,
        sendCurrency: usd, payoutCurrency: kes, sendCountry: us, payoutCountry: ke, amountMode: .send,
        purpose: .familySupport, legFailurePolicy: .refundLeg, operatorReference: "ACME-000123",
        senderName: "Maria Otieno", senderAccount: "ACME-C-88231", beneficiaryName: "Grace Wanjiru",
        legs: [Leg(product: .mobileWallet, share: 10_000, institution: "SAFCOM", account: "254712345678")])

    /// A remittance split into financial products, above the FATF R.16 threshold, on a quote.
    static let splitTransfer = Transfer(
        transferId: splitTransferId, quoteId: quoteId, amount: 10_000, senderPhone: 12_025_550_143,
        beneficiaryPhone: 254_712_345_678, senderDateOfBirth: 19_850_412, sendCurrency: usd, payoutCurrency: kes,
        sendCountry: us, payoutCountry: ke, amountMode: .send, purpose: .familySupport,
        legFailurePolicy: .redirectToFirstLeg, operatorReference: "ACME-000124", senderName: "José Ñúñez Otieno",
        senderAccount: "ACME-C-88231", senderAddress: "1200 Main St, Apt 4, Houston TX 77002, US",
        senderNationalId: "P1234567", senderPlaceOfBirth: "Kisumu, KE", beneficiaryName: "Grace Wanjiru",
        beneficiaryAccount: "KWFT-0042-7781",
        legs: [
            Leg(product: .mobileWallet, share: 7_000, institution: "SAFCOM", account: "254712345678"),
            Leg(product: .savingsDeposit, share: 2_000, institution: "KWFT", account: "SAV-0042-7781"),
            Leg(product: .loanRepayment, share: 1_000, institution: "KWFT", account: "LN-0042-1190"),
        ])

    static let quoteLegs = [
        QuoteLeg(product: .mobileWallet, share: 7_000, institution: "SAFCOM"),
        QuoteLeg(product: .savingsDeposit, share: 2_000, institution: "KWFT"),
        QuoteLeg(product: .loanRepayment, share: 1_000, institution: "KWFT"),
    ]

    /// Reference 129.45 KES per USD, margin 1 %: rate 128.1555; USD 100.00 pays KES 12,815.55,
    /// split 70/20/10 rounding each leg down and giving the 0.01 remainder to the first leg.
    /// Total cost (2.99 fee + 1.00 margin) / 100.00 = 3.99 %.
    static let quote = Quote(
        quoteId: quoteId, sendAmount: 10_000, fee: 299, payoutAmount: 1_281_555, rate: 128_155_500_000,
        referenceRate: 129_450_000_000, createdAt: noon, expiresAt: noon + 60_000, rateMargin: 10_000,
        totalCost: 39_900, sendCurrency: usd, payoutCurrency: kes, sendCountry: us, payoutCountry: ke,
        amountMode: .send,
        legs: [
            QuotedLeg(product: .mobileWallet, share: 7_000, payoutAmount: 897_089, institution: "SAFCOM"),
            QuotedLeg(product: .savingsDeposit, share: 2_000, payoutAmount: 256_311, institution: "KWFT"),
            QuotedLeg(product: .loanRepayment, share: 1_000, payoutAmount: 128_155, institution: "KWFT"),
        ])

    /// Version 2: the beneficiary of the split example keeps a standing instruction: 10 % of each
    /// transfer that opts in goes to her savings account at KWFT.
    static let standingLegs = [Leg(product: .savingsDeposit, share: 1_000, institution: "KWFT", account: "SAV-0042-7781")]

    /// Version 2: the worked example's wallet transfer to that beneficiary, opting in.
    static let standingTransfer: Transfer = {
        var transfer = walletTransfer
        transfer.transferId = ID128("0191f3c2-7a10-7c4e-9d2b-3f6a8e1c5b09")!
        transfer.operatorReference = "ACME-000125"
        transfer.beneficiaryAccount = "KWFT-0042-7781"
        transfer.applyStandingInstruction = true
        return transfer
    }()

    /// Version 3: the Kisumu Hometown Association's clinic, KES 500,000.00 in two milestones,
    /// matched one for one by the county and half by a money transfer company.
    static let clinicMilestones = [
        OpenProject.Milestone(amount: 30_000_000, description: "Foundations and walls"),
        OpenProject.Milestone(amount: 20_000_000, description: "Roof, water and solar power"),
    ]
    static let clinicDeadline: Int64 = 1_830_297_599_000  // 2027-12-31T23:59:59Z
    static let openClinic = OpenProject(
        projectId: "KISUMU-CLINIC", associationId: "KISUMU-HTA", associationName: "Kisumu Hometown Association",
        title: "Community clinic, Kisumu", target: 50_000_000, deadline: clinicDeadline, currency: kes, country: ke,
        refundPolicy: .full, institution: "KMFI", account: "CLINIC-0042", milestones: clinicMilestones)

    /// Version 3: the worked example's transfer with its one leg to the clinic: USD 100.00 pays
    /// KES 12,815.55, matched 12,815.55 by the county and 6,407.77 by ACME.
    static let contributionTransferId = ID128("0191f3c2-7a10-7c4e-9d2b-3f6a8e1c5b0a")!
    static let clinicReceipt = Receipt(
        number: 1, transferId: contributionTransferId, amount: 1_281_555, receivedAt: noon + 2_000, legIndex: 0,
        state: .held, sendCountry: us, contributorName: "Maria Otieno",
        matches: [Receipt.Match(amount: 1_281_555, sponsorId: "KISUMU-COUNTY"), Receipt.Match(amount: 640_777, sponsorId: "ACME-FOUNDATION")])
    static let clinicStatement = ProjectStatement(
        target: 50_000_000, contributed: 2_281_555, matched: 3_422_332, escrow: 5_703_887, disbursed: 0,
        deadline: clinicDeadline, contributions: 2, currency: kes, country: ke, state: .open, refundPolicy: .full,
        projectId: "KISUMU-CLINIC", associationId: "KISUMU-HTA", associationName: "Kisumu Hometown Association",
        title: "Community clinic, Kisumu", institution: "KMFI", account: "CLINIC-0042",
        sponsors: [
            .init(ratioPpm: 1_000_000, projectCap: 25_000_000, contributorCap: 5_000_000, matched: 2_281_555,
                  sponsorId: "KISUMU-COUNTY", name: "County Government of Kisumu"),
            .init(ratioPpm: 500_000, projectCap: 10_000_000, contributorCap: 1_000_000, minContribution: 100_000,
                  matched: 1_140_777, sponsorId: "ACME-FOUNDATION", name: "ACME Remit Foundation", sendCountries: "CA,US"),
        ],
        milestones: clinicMilestones.map { .init(amount: $0.amount, description: $0.description) },
        receipts: [
            clinicReceipt,
            Receipt(number: 2, transferId: nil, amount: 1_000_000, receivedAt: noon + 5_000, legIndex: 0, state: .held,
                    sendCountry: CountryCode("CA")!,
                    matches: [Receipt.Match(amount: 1_000_000, sponsorId: "KISUMU-COUNTY"),
                              Receipt.Match(amount: 500_000, sponsorId: "ACME-FOUNDATION")]),
        ])

    struct Valid {
        let name: String
        let description: String
        let frame: Frame
    }

    static let valid: [Valid] = [
        Valid(name: "hello", description: "A client's first frame: it speaks version 1 only.",
              frame: Frame(requestId: 1, message: .hello(Hello(minVersion: 1, maxVersion: 1,
                                                                  clientName: "acme-remit-java/2.3.1")))),
        Valid(name: "welcome", description: "The server's answer: version 1, default limits, operator ACME.",
              frame: Frame(requestId: 1, message: .welcome(Welcome(
                  serverTime: noon, sessionId: 0x5EED_0000_0000_0001, operatorId: "ACME",
                  serverName: "remitd gw-1")))),
        Valid(name: "heartbeat", description: "A keep-alive from an idle client.",
              frame: Frame(requestId: 2, message: .heartbeat(Heartbeat(sentAt: noon)))),
        Valid(name: "heartbeat-ack", description: "The server echoes the client's clock and gives its own.",
              frame: Frame(requestId: 2, message: .heartbeatAck(HeartbeatAck(echoedSentAt: noon, serverTime: noon + 3)))),
        Valid(name: "error-field-too-long",
              description: "A batch refused as a whole: transfer 3's beneficiary name is too long.",
              frame: Frame(requestId: 7, message: .error(ErrorMessage(
                  code: .fieldTooLong, fieldId: .beneficiaryName, entryIndex: 3,
                  detail: "transfers[3].beneficiaryName: 141 bytes, at most 140")))),
        Valid(name: "error-rate-limited", description: "A retryable error: wait 250 ms, then resend the same request.",
              frame: Frame(requestId: 8, message: .error(ErrorMessage(
                  code: .rateLimited, retryAfterMs: 250, detail: "operator ACME: above 5000 requests/s")))),
        Valid(name: "error-connection-timeout",
              description: "Request id 0: about the connection; the server closes it after this frame.",
              frame: Frame(requestId: 0, message: .error(ErrorMessage(
                  code: .timeout, detail: "no frame for 30000 ms")))),
        Valid(name: "quote-request", description: "USD 100.00 sent from the US to Kenya, split 70/20/10 into a "
                  + "wallet, an MFI savings account and an MFI loan repayment.",
              frame: Frame(requestId: 3, message: .quoteRequest(QuoteRequest(
                  amount: 10_000, sendCurrency: usd, payoutCurrency: kes, sendCountry: us, payoutCountry: ke,
                  amountMode: .send, legs: quoteLegs)))),
        Valid(name: "quote", description: "The terms for quote-request: fee USD 2.99, rate 128.1555 against a "
                  + "129.45 mid rate (1 % margin), KES 12,815.55 paid out, total cost 3.99 %, valid 60 s.",
              frame: Frame(requestId: 3, message: .quote(quote))),
        Valid(name: "submit-transfers-one", description: "The worked example of PROTOCOL.md section 12.",
              frame: Frame(requestId: 7, message: .submitTransfers(SubmitTransfers(transfers: [walletTransfer])))),
        Valid(name: "submit-transfers-split",
              description: "Two transfers in one batch; the second is split into three products on a quote, "
                  + "with full FATF R.16 originator data and a UTF-8 name.",
              frame: Frame(requestId: 9, message: .submitTransfers(SubmitTransfers(
                  transfers: [walletTransfer, splitTransfer])))),
        Valid(name: "submit-transfers-result-one", description: "The answer to submit-transfers-one: accepted.",
              frame: Frame(requestId: 7, message: .submitTransfersResult(SubmitTransfersResult(results: [
                  TransferResult(transferId: transferId, sendAmount: 10_000, fee: 299, payoutAmount: 1_281_555,
                                 recordedAt: noon + 2, state: .accepted),
              ])))),
        Valid(name: "submit-transfers-result-mixed",
              description: "A replay of the first transfer (already paid), and a rejection of the second for "
                  + "insufficient prefund.",
              frame: Frame(requestId: 9, message: .submitTransfersResult(SubmitTransfersResult(results: [
                  TransferResult(transferId: transferId, sendAmount: 10_000, fee: 299, payoutAmount: 1_281_555,
                                 recordedAt: noon + 2, state: .paid, replayed: true),
                  TransferResult(transferId: splitTransferId, recordedAt: noon + 5, errorCode: .insufficientFunds,
                                 state: .rejected),
              ])))),
        Valid(name: "get-transfer", description: "Ask for a transfer's state.",
              frame: Frame(requestId: 10, message: .getTransfer(GetTransfer(transferId: splitTransferId)))),
        Valid(name: "cancel-transfer", description: "Cancel a transfer before dispatch.",
              frame: Frame(requestId: 11, message: .cancelTransfer(CancelTransfer(
                  transferId: splitTransferId, reason: "sender changed the beneficiary")))),
        Valid(name: "transfer-status", description: "A split transfer part way: wallet leg paid, savings leg "
                  + "dispatched, loan leg in doubt.",
              frame: Frame(requestId: 10, message: .transferStatus(TransferStatus(
                  transferId: splitTransferId, quoteId: quoteId, sendAmount: 10_000, fee: 299,
                  payoutAmount: 1_281_555, rate: 128_155_500_000, createdAt: noon + 5, updatedAt: noon + 9_000,
                  lastEventSequence: 42, state: .dispatched, sendCurrency: usd, payoutCurrency: kes,
                  sendCountry: us, payoutCountry: ke, operatorReference: "ACME-000124",
                  legs: [
                      LegStatus(product: .mobileWallet, state: .paid, share: 7_000, payoutAmount: 897_089,
                                institution: "SAFCOM", partnerReference: "RKT4HZ81QX"),
                      LegStatus(product: .savingsDeposit, state: .dispatched, share: 2_000, payoutAmount: 256_311,
                                institution: "KWFT"),
                      LegStatus(product: .loanRepayment, state: .inDoubt, share: 1_000,
                                errorCode: .partnerUnreachable, payoutAmount: 128_155, institution: "KWFT"),
                  ])))),
        Valid(name: "subscribe", description: "Resume the event stream after event 40.",
              frame: Frame(requestId: 12, message: .subscribe(Subscribe(afterSequence: 40)))),
        Valid(name: "subscribed", description: "Events 1 to 42 are retained; 41 and 42 follow.",
              frame: Frame(requestId: 12, message: .subscribed(Subscribed(oldestSequence: 1, latestSequence: 42)))),
        Valid(name: "event-transfer", description: "Event 41: the transfer was dispatched.",
              frame: Frame(requestId: 0, message: .event(Event(
                  sequence: 41, transferId: splitTransferId, occurredAt: noon + 20, change: .transfer(.dispatched))))),
        Valid(name: "event-leg", description: "Event 42: leg 0 was paid, with the partner's reference.",
              frame: Frame(requestId: 0, message: .event(Event(
                  sequence: 42, transferId: splitTransferId, occurredAt: noon + 9_000,
                  change: .leg(index: 0, state: .paid), partnerReference: "RKT4HZ81QX")))),
        Valid(name: "event-ack", description: "The client has processed events through 42.",
              frame: Frame(requestId: 0, message: .eventAck(EventAck(throughSequence: 42)))),
        Valid(name: "hello-versions-1-2", description: "A client that speaks versions 1 and 2; Hello's header is "
                  + "version 1 all the same.",
              frame: Frame(requestId: 1, message: .hello(Hello(minVersion: 1, maxVersion: 2,
                                                                  clientName: "acme-remit-java/3.0.0")))),
        Valid(name: "welcome-version-2", description: "The server chose version 2; Welcome's header is still "
                  + "version 1, every later frame's is 2.",
              frame: Frame(requestId: 1, message: .welcome(Welcome(
                  version: 2, serverTime: noon, sessionId: 0x5EED_0000_0000_0002, operatorId: "ACME",
                  serverName: "remitd gw-1")))),
        Valid(name: "set-standing-instruction", description: "Version 2: 10 % of every opted-in transfer to "
                  + "beneficiary KWFT-0042-7781 goes to her savings account at KWFT.",
              frame: Frame(version: 2, requestId: 20, message: .setStandingInstruction(SetStandingInstruction(
                  beneficiaryAccount: "KWFT-0042-7781", reference: "CONSENT-2026-118", legs: standingLegs)))),
        Valid(name: "standing-instruction", description: "Version 2: the answer to set-standing-instruction, "
                  + "its first revision.",
              frame: Frame(version: 2, requestId: 20, message: .standingInstruction(StandingInstruction(
                  updatedAt: noon + 30_000, revision: 1, beneficiaryAccount: "KWFT-0042-7781",
                  reference: "CONSENT-2026-118", legs: standingLegs)))),
        Valid(name: "get-standing-instruction", description: "Version 2: ask for a beneficiary's standing instruction.",
              frame: Frame(version: 2, requestId: 21, message: .getStandingInstruction(
                  GetStandingInstruction(beneficiaryAccount: "KWFT-0042-7781")))),
        Valid(name: "standing-instruction-none", description: "Version 2: a beneficiary without a standing "
                  + "instruction: revision 0, no legs.",
              frame: Frame(version: 2, requestId: 22, message: .standingInstruction(StandingInstruction(
                  updatedAt: 0, revision: 0, beneficiaryAccount: "ACME-B-1", legs: [])))),
        Valid(name: "error-cancel-unconfirmed", description: "Version 2: a CancelTransfer of a dispatched transfer "
                  + "whose leg 0's partner did not answer in time: nothing is known to have changed; ask again after 2 s.",
              frame: Frame(version: 2, requestId: 24, message: .error(ErrorMessage(
                  code: .cancelUnconfirmed, fieldId: .transferId, entryIndex: 0, retryAfterMs: 2_000,
                  detail: "legs[0]: the cancellation is not confirmed: no answer within 10000 ms; ask again")))),
        Valid(name: "submit-transfers-standing-instruction", description: "Version 2: the worked example's "
                  + "wallet transfer, to the beneficiary with the standing instruction, opting in (options bit 0): "
                  + "the gateway pays 90 % to the wallet as leg 0 and 10 % to savings as leg 1.",
              frame: Frame(version: 2, requestId: 23, message: .submitTransfers(SubmitTransfers(
                  transfers: [standingTransfer])))),
        Valid(name: "hello-versions-1-3", description: "A client that speaks versions 1 to 3.",
              frame: Frame(requestId: 1, message: .hello(Hello(minVersion: 1, maxVersion: 3,
                                                                  clientName: "acme-remit-java/4.0.0")))),
        Valid(name: "welcome-version-3", description: "The server chose version 3; every later frame's header is 3.",
              frame: Frame(requestId: 1, message: .welcome(Welcome(
                  version: 3, serverTime: noon, sessionId: 0x5EED_0000_0000_0003, operatorId: "ACME",
                  serverName: "remitd gw-1")))),
        Valid(name: "open-project", description: "Version 3: ACME registers the Kisumu Hometown Association with "
                  + "its clinic: KES 500,000.00 by the end of 2027 in two milestones, paid to account CLINIC-0042 at "
                  + "KMFI; contributions are refunded in full if it is not funded by then.",
              frame: Frame(version: 3, requestId: 30, message: .openProject(openClinic))),
        Valid(name: "get-project", description: "Version 3: the clinic's statement with every receipt.",
              frame: Frame(version: 3, requestId: 31, message: .getProject(GetProject(projectId: "KISUMU-CLINIC")))),
        Valid(name: "project-statement", description: "Version 3: the clinic after two contributions, one through "
                  + "ACME (its transfer id and sender shown) and one through another operator from Canada (neither "
                  + "shown); the county matches one for one, ACME's foundation half of contributions of KES 1,000.00 "
                  + "or more from Canada and the United States.",
              frame: Frame(version: 3, requestId: 31, message: .projectStatement(clinicStatement))),
        Valid(name: "submit-transfers-project-contribution", description: "Version 3 (legs of this product exist "
                  + "in version 1): USD 100.00 from Maria Otieno, all of it to the clinic: the leg's account is the "
                  + "project's id, its institution empty.",
              frame: Frame(version: 3, requestId: 32, message: .submitTransfers(SubmitTransfers(transfers: [{
                  var transfer = walletTransfer
                  transfer.transferId = contributionTransferId
                  transfer.operatorReference = "ACME-000126"
                  transfer.beneficiaryName = "Kisumu Hometown Association"
                  transfer.beneficiaryPhone = 0
                  transfer.purpose = .communityProject
                  transfer.legs = [Leg(product: .projectContribution, share: 10_000, account: "KISUMU-CLINIC")]
                  return transfer
              }()])))),
        Valid(name: "get-contribution-receipt", description: "Version 3: the receipt of that transfer's leg 0.",
              frame: Frame(version: 3, requestId: 33, message: .getContributionReceipt(GetContributionReceipt(
                  transferId: contributionTransferId, legIndex: 0)))),
        Valid(name: "contribution-receipt", description: "Version 3: receipt 1 of the clinic: KES 12,815.55 from the "
                  + "United States, matched by both sponsors.",
              frame: Frame(version: 3, requestId: 33, message: .contributionReceipt(ContributionReceipt(
                  receipt: clinicReceipt, currency: kes, projectId: "KISUMU-CLINIC", title: "Community clinic, Kisumu")))),
        Valid(name: "error-unknown-project", description: "Version 3: GetProject of an id no project has.",
              frame: Frame(version: 3, requestId: 34, message: .error(ErrorMessage(
                  code: .unknownProject, fieldId: .projectId, detail: "projectId: no project KISUMU-SCHOOL")))),
    ]

    static func encoded(_ frame: Frame, limits: ProtocolLimits = .default) -> [UInt8] {
        var buffer = ByteBuffer()
        try! frame.encode(into: &buffer, limits: limits)
        return Array(buffer.readableBytesView)
    }
}
