import Logging
import RemitDomain
import RemitLedger
import RemitProtocol

/// Collective remittances over the protocol (version 3): an operator opens its association's
/// projects, and any operator reads any project's statement and its own contributions' receipts.
extension Session {
    func openProject(_ request: OpenProject, operatorId: String, logger: Logger) async -> Message {
        let plan: ProjectPlan
        do throws(TransferDesk.Refusal) {
            plan = try environment.desk.checkProject(request, now: environment.clock())
        } catch {
            let entry = error.leg.map { "milestones[\($0)]." } ?? ""
            return .error(ErrorMessage(code: error.code, fieldId: error.field, entryIndex: error.leg.map(UInt32.init),
                                       detail: ErrorMessage.clip("\(entry)\(error.field.name): \(error.code.name)")))
        }
        let association = AssociationRecord(id: request.associationId, operatorId: operatorId,
                                            name: request.associationName, country: request.country.description)
        switch await environment.ledger.apply(.atomic([.registerAssociation(association), .openProject(plan)])) {
        case .rejected(.projectExists(let id)) where id == request.projectId:
            return .error(ErrorMessage(code: .projectExists, fieldId: .projectId,
                                       detail: ErrorMessage.clip("projectId: \(id) is registered already, with other details")))
        case .rejected(.projectExists(let id)):
            return .error(ErrorMessage(code: .projectExists, fieldId: .associationId, detail: ErrorMessage.clip(
                "associationId: \(id) is registered already, by another operator or with another name or country")))
        case .rejected(.invalidProject("deadline")):
            return .error(ErrorMessage(code: .invalidDate, fieldId: .deadline, detail: "deadline: not in the future"))
        case .rejected(let error):
            logger.error("project not recorded", metadata: ["project": "\(request.projectId)", "error": "\(error)"])
            return .error(ErrorMessage(code: .storageUnavailable, retryAfterMs: 1_000, detail: "the ledger cannot commit now"))
        default:
            logger.info("project opened", metadata: ["project": "\(request.projectId)",
                                                     "association": "\(request.associationId)"])
            return project(request.projectId, after: nil, operatorId: operatorId)
        }
    }

    /// The statement with the receipts numbered after `after` (none when nil).
    func project(_ id: String, after: UInt64?, operatorId: String) -> Message {
        do {
            guard let statement = try environment.ledger.projectStatement(id) else {
                return .error(ErrorMessage(code: .unknownProject, fieldId: .projectId,
                                           detail: ErrorMessage.clip("projectId: no project \(id)")))
            }
            let receipts = try after.map {
                try environment.ledger.contributions(projectId: id, after: Int64(clamping: $0),
                                                     limit: ProjectLimit.receiptsPerStatement)
            } ?? []
            return .projectStatement(ProjectMapping.statement(statement, receipts: receipts, for: operatorId))
        } catch {
            return .error(ErrorMessage(code: .storageUnavailable, retryAfterMs: 1_000, detail: "the ledger cannot be read now"))
        }
    }

    func contributionReceipt(_ request: GetContributionReceipt, operatorId: String) -> Message {
        do {
            guard let receipt = try environment.ledger.contributionReceipt(
                operatorId: operatorId, transferId: WireMapping.id(request.transferId), leg: Int(request.legIndex))
            else {
                return .error(ErrorMessage(code: .notFound, fieldId: .transferId, detail: ErrorMessage.clip(
                    "no contribution by leg \(request.legIndex) of transfer \(request.transferId) for this operator")))
            }
            return .contributionReceipt(ProjectMapping.contributionReceipt(receipt, for: operatorId))
        } catch {
            return .error(ErrorMessage(code: .storageUnavailable, retryAfterMs: 1_000, detail: "the ledger cannot be read now"))
        }
    }
}
