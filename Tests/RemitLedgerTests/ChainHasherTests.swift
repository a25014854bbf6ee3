import Crypto
import Foundation
@testable import RemitLedger
import XCTest

/// Every chain's stored hashes were made by hashing each field as it came: the buffered hasher
/// must give the same digest, whether its fields end before, at or after a flush.
final class ChainHasherTests: XCTestCase {
    func testTheDigestIsSHA256OfTheFieldsInOrder() {
        let previous = Data((0..<32).map { UInt8($0) })
        for count in [0, 1, 30, 31, 32, 33, 100, 300] {
            var hasher = ChainHasher(previous: previous)
            var expected = SHA256()
            expected.update(data: previous)
            func integer(_ value: Int64) {
                withUnsafeBytes(of: value.littleEndian) { expected.update(bufferPointer: $0) }
            }
            for n in 0..<count {
                hasher.integer(Int64(n) - 1)
                integer(Int64(n) - 1)
                // Mostly short, as a link's fields are; one longer than the hasher's buffer.
                let text: String? = n % 7 == 3 ? nil
                    : n == 50 ? String(repeating: "y", count: 1_500) : String(repeating: "é", count: n % 40)
                hasher.text(text)
                if let text {
                    integer(Int64(text.utf8.count))
                    expected.update(data: Data(text.utf8))
                } else {
                    integer(-1)
                }
            }
            XCTAssertEqual(hasher.finalize(), Data(expected.finalize()), "\(count) fields")
        }
    }

    func testFinalizingTwiceGivesTheSameDigest() {
        var hasher = ChainHasher(previous: Data(repeating: 1, count: 32))
        hasher.text(String(repeating: "x", count: 2_000))
        XCTAssertEqual(hasher.finalize(), hasher.finalize())
    }

    /// A submission's decisions are laid out for the hash on a session's thread
    /// (`Screenings.Parties`) and appended by the writer in one piece: the digest must be the one
    /// hashing each party's fields gives, which every link written before was hashed with.
    func testDecisionsLaidOutBeforeHashAsTheirFieldsDo() {
        let sender = ScreeningRecord(party: "sender", decision: "clear", scoreBps: 4_210, entryId: nil, matchedName: nil,
                                     source: "demo-list 2026-12-01")
        let beneficiary = ScreeningRecord(party: "beneficiary", decision: "review", scoreBps: 8_700, entryId: "9001",
                                          matchedName: "Grace Wanjiru", source: String(repeating: "ü", count: 600))
        for (first, second) in [(sender, beneficiary), (nil, beneficiary), (sender, nil), (nil, nil)] as [(ScreeningRecord?, ScreeningRecord?)] {
            var byField = ChainHasher(previous: Data(repeating: 9, count: 32))
            byField.integer(42)
            Screenings.partyHash(&byField, first)
            Screenings.partyHash(&byField, second)
            var laidOut = ChainHasher(previous: Data(repeating: 9, count: 32))
            laidOut.integer(42)
            laidOut.fields(Screenings.Parties(sender: first, beneficiary: second).hashed)
            XCTAssertEqual(laidOut.finalize(), byField.finalize())
        }
        let parties = Screenings.Parties([beneficiary, sender])
        XCTAssertEqual(parties.sender, sender)
        XCTAssertEqual(parties.beneficiary, beneficiary)
        XCTAssertNil(parties.invalid)
        XCTAssertEqual(Screenings.Parties([sender, sender]).invalid, "sender")
        XCTAssertEqual(Screenings.Parties([ScreeningRecord(party: "agent", decision: "clear", scoreBps: 0, entryId: nil,
                                                           matchedName: nil, source: nil)]).invalid, "agent")
    }
}
