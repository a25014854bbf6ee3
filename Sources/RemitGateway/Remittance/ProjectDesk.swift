import RemitDomain
import RemitLedger
import RemitProtocol

/// An operator's `OpenProject` (protocol version 3) before the ledger: every field the ledger
/// would refuse, named in the protocol's terms, and what only the gateway knows: whether anyone
/// can contribute (a corridor offering the product) and whether the beneficiary institution can
/// be paid (an enabled partner paying `accountCredit` there).
extension TransferDesk {
    /// Refuses with the first fault, in the order of PROTOCOL.md (*Collective remittances*);
    /// a milestone's fault names it in `leg`, the error's entry index.
    public func checkProject(_ request: OpenProject, now: Int64) throws(Refusal) -> ProjectPlan {
        guard !request.associationName.isEmpty else { throw Refusal(.missingField, .associationName) }
        guard !request.title.isEmpty else { throw Refusal(.missingField, .title) }
        guard request.target > 0 else { throw Refusal(.invalidAmount, .target) }
        var sum: Int64 = 0
        for (index, milestone) in request.milestones.enumerated() {
            guard !milestone.description.isEmpty else { throw Refusal(.missingField, .description, leg: index) }
            guard milestone.amount > 0 else { throw Refusal(.invalidAmount, .amount, leg: index) }
            let (total, overflow) = sum.addingReportingOverflow(milestone.amount)
            guard !overflow else { throw Refusal(.invalidAmount, .amount, leg: index) }
            sum = total
        }
        guard sum == request.target else { throw Refusal(.invalidAmount, .target) }
        guard let currency = try? Currency(request.currency.description) else { throw Refusal(.unknownCurrency, .currency) }
        let country = request.country.description
        guard Countries.isKnown(country) else { throw Refusal(.unknownCountry, .country) }
        guard request.deadline > now else { throw Refusal(.invalidDate, .deadline) }
        let contributable = corridors.values.contains {
            $0.payoutCountry == country && $0.payoutCurrency == currency
                && $0.products.contains(Product.projectContribution.caseName)
        }
        guard contributable else { throw Refusal(.unsupportedCorridor, .currency) }
        guard !request.institution.isEmpty else { throw Refusal(.missingField, .institution) }
        let key = Corridor.Key(sendCountry: "", sendCurrency: "", payoutCountry: country, payoutCurrency: currency.code)
        let payable = partners.contains {
            $0.id == request.institution && isEnabled($0.id)
                && $0.reaches(key, product: Product.accountCredit.caseName, institution: request.institution)
        }
        guard payable else { throw Refusal(.noPartnerAvailable, .institution) }
        guard !request.account.isEmpty else { throw Refusal(.missingField, .account) }
        // The institution's code is its partner's id: a leg naming it is routed there.
        return ProjectPlan(
            id: request.projectId, associationId: request.associationId, title: request.title, currency: currency,
            target: request.target, partner: request.institution, institution: request.institution,
            account: request.account, deadline: request.deadline,
            refundPolicy: ProjectMapping.policy(request.refundPolicy),
            milestones: request.milestones.map { .init(description: $0.description, amount: $0.amount) })
    }
}
