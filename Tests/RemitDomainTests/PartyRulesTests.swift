import RemitDomain
import XCTest

/// Names: letters of any script, their marks, single spaces and a name's punctuation.
final class PartyRulesTests: XCTestCase {
    /// The rule by Unicode category alone, as `isValidName` states it; its ASCII path must agree.
    func byCategory(_ name: String) -> Bool {
        guard !name.isEmpty, name.first != " ", name.last != " ", !name.contains("  ") else { return false }
        var letters = 0
        for scalar in name.unicodeScalars where scalar != " " {
            switch scalar.properties.generalCategory {
            case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .otherLetter, .modifierLetter: letters += 1
            case .nonspacingMark, .spacingMark, .enclosingMark: continue
            default: guard " '-.,’".unicodeScalars.contains(scalar) else { return false }
            }
        }
        return letters >= 2
    }

    func testEveryASCIICharacterIsJudgedAsItsCategorySays() {
        for value in UInt8(0)..<128 {
            let character = String(UnicodeScalar(value))
            for name in ["Ab\(character)cd", "\(character)b", "A\(character)"] {
                XCTAssertEqual(PartyRules.isValidName(name), byCategory(name), "\(value): \(name.debugDescription)")
            }
        }
    }

    func testNamesOfAnyScript() {
        for name in ["Grace Wanjiru", "José Núñez", "O'Brien-Smith, Jr.", "Nguyễn Thị Minh Khai", "محمد علي",
                     "Ζωή Παπαδοπούλου", "田中 太郎", "Ngũgĩ wa Thiong’o"] {
            XCTAssertTrue(PartyRules.isValidName(name), name)
            XCTAssertEqual(PartyRules.isValidName(name), byCategory(name), name)
        }
        for name in ["", " Ana", "Ana ", "Ana  Lopez", "A", "R2-D2", "Ana_Lopez", "Ana@Lopez", "Ana\u{0}Lopez", "Ana\tLopez", "€uro Man"] {
            XCTAssertFalse(PartyRules.isValidName(name), name.debugDescription)
            XCTAssertEqual(PartyRules.isValidName(name), byCategory(name), name.debugDescription)
        }
    }
}
