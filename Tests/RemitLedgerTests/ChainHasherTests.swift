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
                let text: String? = n % 7 == 3 ? nil : String(repeating: "é", count: n % 40)
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
}
