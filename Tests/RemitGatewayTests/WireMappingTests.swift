@testable import RemitGateway
import RemitDomain
import RemitProtocol
import XCTest

/// The ledger's states and the protocol's name the same things alike: each maps to its namesake,
/// and every protocol state is some ledger state's.
final class WireMappingTests: XCTestCase {
    func testEachTransferStateMapsToItsNamesake() {
        let mapped = RemitDomain.TransferState.allCases.map { WireMapping.state($0) }
        for (state, wire) in zip(RemitDomain.TransferState.allCases, mapped) {
            XCTAssertEqual("\(wire)", state.rawValue)
        }
        XCTAssertEqual(Set(mapped), Set(RemitProtocol.TransferState.allCases))
    }

    func testEachLegStateMapsToItsNamesake() {
        let mapped = RemitDomain.LegState.allCases.map { WireMapping.state($0) }
        for (state, wire) in zip(RemitDomain.LegState.allCases, mapped) {
            XCTAssertEqual("\(wire)", state.rawValue)
        }
        XCTAssertEqual(Set(mapped), Set(RemitProtocol.LegState.allCases))
    }
}
