@testable import RemitGateway
import RemitDomain
import RemitLedger
import RemitProtocol
import XCTest

/// OpenProject (protocol version 3) before the ledger: each fault with its code, field and
/// milestone, in the order PROTOCOL.md gives; a good request becomes the ledger's plan.
final class ProjectDeskTests: XCTestCase {
    let configuration = try! GatewayConfiguration.parse(
        DemoEnvironment.configuration(listen: "127.0.0.1:1", adminListen: "127.0.0.1:2"), file: "x.toml")
    let now: Int64 = 1_795_435_200_000

    func desk(enabled: @escaping @Sendable (String) -> Bool = { _ in true }) -> TransferDesk {
        TransferDesk(corridors: configuration.corridors, holdExpiryMs: 86_400_000,
                     partners: configuration.partners.map {
                         .init(id: $0.id, countries: $0.countries, currencies: $0.currencies, products: $0.products)
                     }, isEnabled: enabled)
    }

    func request(_ change: (inout OpenProject) -> Void = { _ in }) -> OpenProject {
        var request = OpenProject(
            projectId: "KISUMU-CLINIC", associationId: "KISUMU-HTA", associationName: "Kisumu Hometown Association",
            title: "Community clinic", target: 50_000_000, deadline: now + 86_400_000, currency: CurrencyCode("KES")!,
            country: CountryCode("KE")!, refundPolicy: .amount, institution: "KMFI", account: "CLINIC-0042",
            milestones: [.init(amount: 30_000_000, description: "Walls"), .init(amount: 20_000_000, description: "Roof")])
        change(&request)
        return request
    }

    func refusal(_ request: OpenProject, _ desk: TransferDesk? = nil) -> TransferDesk.Refusal? {
        do {
            _ = try (desk ?? self.desk()).checkProject(request, now: now)
            return nil
        } catch {
            return error
        }
    }

    func testAGoodRequestBecomesThePlanPaidThroughTheInstitutionsPartner() throws {
        let plan = try desk().checkProject(request(), now: now)
        XCTAssertEqual([plan.partner, plan.institution, plan.account], ["KMFI", "KMFI", "CLINIC-0042"])
        XCTAssertEqual(plan.refundPolicy, .amount)
        XCTAssertEqual(plan.milestones.map(\.amount), [30_000_000, 20_000_000])
        XCTAssertEqual(plan.currency.code, "KES")
    }

    func testEachFaultHasItsCodeFieldAndMilestone() {
        let cases: [(OpenProject, ErrorCode, FieldID, Int?)] = [
            (request { $0.associationName = "" }, .missingField, .associationName, nil),
            (request { $0.title = "" }, .missingField, .title, nil),
            (request { $0.target = 0 }, .invalidAmount, .target, nil),
            (request { $0.milestones[1].description = "" }, .missingField, .description, 1),
            (request { $0.milestones[1].amount = -1 }, .invalidAmount, .amount, 1),
            (request { $0.milestones[0].amount = .max }, .invalidAmount, .amount, 1),
            (request { $0.milestones[1].amount += 1 }, .invalidAmount, .target, nil),
            (request { $0.currency = CurrencyCode("XQQ")! }, .unknownCurrency, .currency, nil),
            (request { $0.country = CountryCode("QQ")! }, .unknownCountry, .country, nil),
            (request { $0.deadline = self.now }, .invalidDate, .deadline, nil),
            (request { $0.country = CountryCode("PH")! }, .unsupportedCorridor, .currency, nil),
            (request { $0.institution = "" }, .missingField, .institution, nil),
            (request { $0.institution = "MPESA-KE" }, .noPartnerAvailable, .institution, nil),
            (request { $0.account = "" }, .missingField, .account, nil),
        ]
        for (index, (request, code, field, milestone)) in cases.enumerated() {
            let refused = refusal(request)
            XCTAssertEqual(refused?.code, code, "case \(index)")
            XCTAssertEqual(refused?.field, field, "case \(index)")
            XCTAssertEqual(refused?.leg, milestone, "case \(index)")
        }
        // A partner switched off by operations pays nothing.
        XCTAssertEqual(refusal(request(), desk(enabled: { $0 != "KMFI" }))?.code, .noPartnerAvailable)
    }
}
