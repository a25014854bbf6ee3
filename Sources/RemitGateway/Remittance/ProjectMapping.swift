import RemitDomain
import RemitLedger
import RemitProtocol

/// The ledger's projects and receipts in the protocol's terms (version 3). A receipt shows its
/// transfer id and contributor's name only to the operator whose transfer it is.
enum ProjectMapping {
    static func statement(_ s: RemitLedger.ProjectStatement, receipts: [RemitLedger.ContributionReceipt],
                          for operatorId: String) -> RemitProtocol.ProjectStatement {
        let plan = s.plan
        return RemitProtocol.ProjectStatement(
            target: plan.target, contributed: s.contributed, matched: s.matched, escrow: s.escrow, disbursed: s.disbursed,
            deadline: plan.deadline, contributions: UInt32(clamping: s.contributions),
            currency: CurrencyCode(plan.currency.code)!, country: CountryCode(s.associationCountry)!,
            state: ProjectState(name: s.state.uppercased())!, refundPolicy: policy(plan.refundPolicy),
            projectId: plan.id, associationId: plan.associationId, associationName: s.associationName, title: plan.title,
            institution: plan.institution, account: plan.account,
            sponsors: s.sponsorships.map { sponsorship in
                let rule = sponsorship.rule
                return .init(ratioPpm: Int32(clamping: rule.ratioPpm), projectCap: rule.projectCap,
                             contributorCap: rule.contributorCap, minContribution: rule.minContribution,
                             matched: sponsorship.matched, returned: sponsorship.returned, sponsorId: rule.sponsorId,
                             name: sponsorship.sponsorName, sendCountries: rule.sendCountries.sorted().joined(separator: ","))
            },
            milestones: s.milestones.map {
                .init(amount: $0.amount, disbursed: $0.disbursed, state: MilestoneState(name: $0.state.uppercased())!,
                      description: $0.description)
            },
            receipts: receipts.map { receipt($0, for: operatorId) })
    }

    static func receipt(_ r: RemitLedger.ContributionReceipt, for operatorId: String) -> Receipt {
        let own = r.operatorId == operatorId
        return Receipt(
            number: UInt64(r.number), transferId: own ? WireMapping.id(r.transferId) : nil, amount: r.amount,
            receivedAt: r.receivedAt, legIndex: UInt8(clamping: r.leg), state: ContributionState(name: r.state.uppercased())!,
            sendCountry: CountryCode(r.sendCountry) ?? CountryCode("ZZ")!, contributorName: own ? r.contributorName : "",
            matches: r.matches.map { Receipt.Match(amount: $0.amount, sponsorId: $0.sponsorId) })
    }

    static func contributionReceipt(_ r: RemitLedger.ContributionReceipt, for operatorId: String)
        -> RemitProtocol.ContributionReceipt {
        RemitProtocol.ContributionReceipt(receipt: receipt(r, for: operatorId), currency: CurrencyCode(r.currency)!,
                                          projectId: r.projectId, title: r.projectTitle)
    }

    static func policy(_ policy: RefundPolicy) -> ProjectRefundPolicy {
        switch policy {
        case .full: .full
        case .amount: .amount
        }
    }

    static func policy(_ policy: ProjectRefundPolicy) -> RefundPolicy {
        switch policy {
        case .full: .full
        case .amount: .amount
        }
    }
}
