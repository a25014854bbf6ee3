import Foundation
import RemitDomain
import RemitLedger

/// The collective-remittance commands of the admin socket (docs/projects.md): each is one
/// audited ledger command, refused with the ledger's reason or the field at fault.
extension AdminExecutor {
    func project(_ request: AdminRequest, actor: String) async -> AdminResponse {
        let fields = request.project ?? ProjectRequest()
        let command: LedgerCommand, subject: String
        switch projectCommand(request.command, fields, request) {
        case .failure(let refused): return .failure(refused.message)
        case .success(let built): (command, subject) = built
        }
        let record = AuditRecord(actor: actor, action: request.command, subject: subject, detail: detail(fields, request))
        switch await environment.ledger.apply(.audited(record, command)) {
        case .done(let entries):
            environment.logger.notice("\(request.command) recorded", metadata: ["subject": "\(subject)"])
            return AdminResponse(ok: true, entries: entries)
        case .rejected(let error):
            return .failure("refused by the ledger: \(Self.describe(error))")
        case .transfer:
            return .failure("unexpected ledger outcome")
        }
    }

    /// The ledger's reason in the words of docs/projects.md.
    static func describe(_ error: LedgerError) -> String {
        switch error {
        case .invalidProject(let what): "invalid \(what)"
        case .unknownProject(let id): "no project \(id)"
        case .unknownAssociation(let id): "no association \(id)"
        case .unknownSponsor(let id): "no sponsor \(id)"
        case .projectExists(let id): "\(id) is registered already, with other details"
        case .projectState(let id, let state): "project \(id) is \(state)"
        case .invalidEvidence: "evidence must be 1 to 500 bytes"
        case .belowFloor(let account, _, _): "\(account) would go below zero"
        default: "\(error)"
        }
    }

    private struct Refused: Error { let message: String }

    private func projectCommand(_ name: String, _ p: ProjectRequest, _ request: AdminRequest)
        -> Result<(LedgerCommand, String), Refused> {
        do {
            switch name {
            case "association-register":
                let id = try required(p.association, "project.association")
                guard let operatorId = request.operator,
                      environment.configuration.operators.contains(where: { $0.id == operatorId })
                else { throw Refused(message: "operator \(request.operator ?? "(none)") is not configured") }
                return .success((.registerAssociation(AssociationRecord(
                    id: id, operatorId: operatorId, name: try required(p.name, "project.name"),
                    country: try required(p.country, "project.country"))), "association \(id)"))
            case "project-open":
                let id = try required(p.id, "project.id")
                let currency = try currency(p.currency)
                let milestones = try (p.milestones ?? []).enumerated().map { index, milestone in
                    ProjectPlan.Milestone(description: milestone.description,
                                          amount: try amount(milestone.amount, currency, "project.milestones[\(index)].amount"))
                }
                guard let policy = RefundPolicy(rawValue: p.policy ?? "full") else {
                    throw Refused(message: "project.policy must be full or amount")
                }
                return .success((.openProject(ProjectPlan(
                    id: id, associationId: try required(p.association, "project.association"),
                    title: try required(p.title, "project.title"), currency: currency,
                    target: try amount(p.target, currency, "project.target"), partner: try required(p.partner, "project.partner"),
                    institution: try required(p.institution, "project.institution"),
                    account: try required(p.account, "project.account"), deadline: try time(p.deadline, "project.deadline"),
                    refundPolicy: policy, milestones: milestones)), "project \(id)"))
            case "sponsor-register":
                let id = try required(p.sponsor, "project.sponsor")
                return .success((.registerSponsor(id: id, name: try required(p.name, "project.name")), "sponsor \(id)"))
            case "sponsor-fund":
                let id = try required(p.sponsor, "project.sponsor")
                let currency = try currency(p.currency)
                guard let reference = request.reference, !reference.isEmpty, reference.utf8.count <= 140 else {
                    throw Refused(message: "reference is required (1 to 140 bytes): the sponsor's deposit")
                }
                return .success((.fundSponsor(id: id, amount: Money(try amount(request.amount, currency, "amount"), currency),
                                              reference: reference), "sponsor \(id)"))
            case "project-sponsor":
                let id = try required(p.id, "project.id"), sponsor = try required(p.sponsor, "project.sponsor")
                let currency = try currency(try environment.ledger.projectTerms(id)?.currency ?? "")
                guard let ratio = Self.ppm(p.ratio ?? "") else {
                    throw Refused(message: "project.ratio must be a decimal such as 1 or 0.5, at most 6 decimals")
                }
                return .success((.sponsorProject(SponsorshipRule(
                    projectId: id, sponsorId: sponsor, ratioPpm: ratio,
                    projectCap: try amount(p.projectCap, currency, "project.projectCap"),
                    contributorCap: try amount(p.contributorCap, currency, "project.contributorCap"),
                    minContribution: p.minContribution == nil ? 0 : try amount(p.minContribution, currency, "project.minContribution",
                                                                              zero: true),
                    sendCountries: p.sendCountries ?? [])), "project \(id) sponsor \(sponsor)"))
            case "project-disburse":
                let id = try required(p.id, "project.id")
                guard let milestone = p.milestone else { throw Refused(message: "project.milestone is required") }
                guard let evidence = request.evidence, (1...500).contains(evidence.utf8.count) else {
                    throw Refused(message: "evidence is required (1 to 500 bytes): what the milestone's approval rests on")
                }
                return .success((.disburseMilestone(projectId: id, position: milestone, evidence: evidence),
                                 "project \(id) milestone \(milestone)"))
            case "projects-refund-due":
                return .success((.expireProjects(asOf: environment.clock(), limit: 200), "projects past their deadline"))
            default:
                throw Refused(message: "unknown command \(name)")
            }
        } catch let refused as Refused {
            return .failure(refused)
        } catch {
            return .failure(Refused(message: "the ledger cannot be read now: \(error)"))
        }
    }

    private func required(_ value: String?, _ field: String) throws -> String {
        guard let value, !value.isEmpty else { throw Refused(message: "\(field) is required") }
        return value
    }

    private func currency(_ code: String?) throws -> Currency {
        guard let code, let currency = try? Currency(code) else {
            throw Refused(message: "project.currency must be an ISO 4217 code (for project-sponsor: the project must exist)")
        }
        return currency
    }

    private func amount(_ text: String?, _ currency: Currency, _ field: String, zero: Bool = false) throws -> Int64 {
        guard let text, let minor = Money.parseMinorUnits(text, currency), minor > 0 || (zero && minor == 0) else {
            throw Refused(message: "\(field) must be a positive amount in \(currency.code) with at most \(currency.exponent) decimals")
        }
        return minor
    }

    private func time(_ text: String?, _ field: String) throws -> Int64 {
        guard let text, let parsed = RateBook.parseTimestamp(text) else {
            throw Refused(message: "\(field) must be a UTC time such as 2027-06-30T23:59:59Z")
        }
        return parsed
    }

    /// "1" → 1,000,000; "0.5" → 500,000; at most six decimals.
    static func ppm(_ text: String) -> Int64? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let whole = Int64(parts[0]), whole >= 0, whole <= 1_000 else { return nil }
        var fraction: Int64 = 0
        if parts.count == 2 {
            let digits = parts[1]
            guard (1...6).contains(digits.count), digits.allSatisfy(\.isASCII), let value = Int64(digits), value >= 0 else {
                return nil
            }
            fraction = value
            for _ in digits.count..<6 { fraction *= 10 }
        }
        return whole * 1_000_000 + fraction
    }

    private func detail(_ p: ProjectRequest, _ request: AdminRequest) -> String {
        let data = (try? JSONEncoder().encode(p)) ?? Data()
        let text = String(decoding: data, as: UTF8.self) + (request.amount.map { " amount \($0)" } ?? "")
            + (request.reference.map { " reference \($0)" } ?? "") + (request.evidence.map { " evidence \($0)" } ?? "")
        return String(text.utf8.prefix(2_000)) ?? String(text.prefix(500))
    }
}
