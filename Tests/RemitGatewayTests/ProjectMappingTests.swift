import RemitLedger
import RemitProtocol
import XCTest

@testable import RemitGateway

/// Every state the ledger writes for projects, milestones and contributions (its CHECK
/// constraints, Schema v19 and v20) has a protocol value: the mapping never meets a state it
/// cannot say.
final class ProjectMappingTests: XCTestCase {
    func testEveryLedgerStateHasAProtocolValue() {
        for state in ["open", "funded", "refunding", "refunded", "completed"] {
            XCTAssertNotNil(ProjectState(name: state.uppercased()), state)
        }
        for state in ["pending", "disbursing", "paid", "failed"] {
            XCTAssertNotNil(MilestoneState(name: state.uppercased()), state)
        }
        for state in ["held", "refunded"] {
            XCTAssertNotNil(ContributionState(name: state.uppercased()), state)
        }
        XCTAssertEqual(ProjectMapping.policy(RefundPolicy.full), .full)
        XCTAssertEqual(ProjectMapping.policy(RefundPolicy.amount), .amount)
        for policy in ProjectRefundPolicy.allCases {
            XCTAssertEqual(ProjectMapping.policy(ProjectMapping.policy(policy)), policy)
        }
    }
}
