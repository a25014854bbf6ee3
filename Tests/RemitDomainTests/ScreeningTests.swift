import RemitDomain
import XCTest

/// Screening on a small fictitious list: true matches with reordered and accented names, and
/// near misses that must not match.
final class ScreeningTests: XCTestCase {
    // A fictitious list in OFAC's SDN CSV layout, with aliases.
    static let sdn = """
        36,"NUNEZ PEREZ, Jose Antonio","individual","SDGT",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,"DOB 12 Apr 1975; POB Tijuana, Mexico; nationality Mexico."
        173,"KARIMOV, Timur","individual","SDNT",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,"DOB 1968."
        306,"ATLANTIC STAR","vessel","CUBA",-0- ,-0- ,"Cargo",-0- ,-0- ,"Panama",-0- ,-0-
        412,"GOLDEN HORIZON TRADING LLC","entity","SDGT",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,"Website www.example.invalid; ""quoted"" remark."

        """
    static let alt = """
        36,101,"aka","NUNEZ, Tony",-0-
        173,102,"aka","KARIMOFF, Timour",-0-

        """

    let list = try! SanctionsList.ofacSDN(csv: sdn, aliases: alt, source: "sdn.csv 2026-11-20")

    func testTheSDNLayoutIsRead() {
        XCTAssertEqual(list.entries.map(\.id), ["36", "173", "412"], "vessels are not screened against people")
        XCTAssertEqual(list.entries[0].names, ["Jose Antonio NUNEZ PEREZ", "Tony NUNEZ"])
        XCTAssertEqual(list.entries[0].datesOfBirth, [19_750_412])
        XCTAssertEqual(list.entries[1].datesOfBirth, [19_680_000])
        XCTAssertThrowsError(try SanctionsList.ofacSDN(csv: "1,\"open", source: "x"))
        XCTAssertThrowsError(try SanctionsList.ofacSDN(csv: "1,two,fields", source: "x"))
    }

    /// Found by fuzzing (`Fuzz/run.sh sdn`): a long number after DOB overflowed the date and
    /// stopped the process. Only four-digit years are years.
    func testANumberThatIsNoYearIsNoDateOfBirth() throws {
        let row = "9,\"DOE, Jan\",\"individual\",\"X\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,\"DOB 03 Mar 19709001; DOB 4294967295; DOB 1970\"\n"
        let list = try SanctionsList.ofacSDN(csv: row, source: "x")
        XCTAssertEqual(list.entries[0].datesOfBirth, [19_700_000])
    }

    func testNamesAreNormalised() {
        XCTAssertEqual(NameMatching.normalise("José  Núñez-Pérez"), ["jose", "nunez", "perez"])
        XCTAssertEqual(NameMatching.normalise("O'BRIEN, Seán"), ["o", "brien", "sean"])
        // The textbook values: 0.9611 and 0.8133.
        XCTAssertEqual(NameMatching.jaroWinkler("martha", "marhta"), 961_110, accuracy: 2)
        XCTAssertEqual(NameMatching.jaroWinkler("dixon", "dicksonx"), 813_332, accuracy: 2)
    }

    func testTrueMatchesReorderedAndAccented() {
        let screener = Screener(lists: [list])
        for name in ["José Antonio Núñez Pérez", "Nunez Perez, Jose Antonio", "PEREZ NUNEZ JOSE ANTONIO",
                     "Jose Antonio Nunez-Perez", "Timour Karimoff", "Golden Horizon Trading L.L.C."] {
            let result = screener.screen(name: name)
            XCTAssertEqual(result.decision, .match, "\(name): \(result)")
            XCTAssertEqual(result.source, "sdn.csv 2026-11-20")
        }
        XCTAssertEqual(screener.screen(name: "Tony Nunez").entryId, "36")
    }

    /// "Timothy Karim" against "Timur Karimov" scores about 886,000 ppm: a possible match, held for
    /// review rather than refused, which is what the review band is for.
    func testNearMissesDoNotMatch() {
        let screener = Screener(lists: [list])
        for name in ["Maria Lopez", "Jose Martinez", "Antonio Perez Garcia", "Timothy Karim", "Grace Wanjiru",
                     "Golden Gate Bakery"] {
            let result = screener.screen(name: name)
            XCTAssertNotEqual(result.decision, .match, "\(name): \(result)")
        }
    }

    func testADateOfBirthMovesACloseName() {
        let screener = Screener(lists: [list])
        let near = screener.screen(name: "Jose Antonio Nunes Perez")
        let sameYear = screener.screen(name: "Jose Antonio Nunes Perez", dateOfBirth: 19_750_101)
        let otherYear = screener.screen(name: "Jose Antonio Nunes Perez", dateOfBirth: 19_990_101)
        XCTAssertGreaterThan(sameYear.score, near.score)
        XCTAssertLessThan(otherYear.score, near.score)
        XCTAssertEqual(otherYear.decision == .match, false)
    }

    func testCountriesAreReadAndConfirmAMatch() {
        XCTAssertEqual(list.entries[0].countries, ["MX"], "nationality and place of birth")
        XCTAssertEqual(Countries.code(named: "Iran (Islamic Republic of)"), "IR")
        XCTAssertEqual(Countries.code(named: "Democratic People's Republic of Korea"), "KP")
        XCTAssertEqual(Countries.code(named: "Democratic Republic of the Congo"), "CD")
        XCTAssertEqual(Countries.code(named: "United Kingdom of Great Britain and Northern Ireland"), "GB")
        XCTAssertEqual(Countries.code(named: "PRK"), "KP")
        XCTAssertEqual(Countries.code(named: "ke"), "KE")
        XCTAssertNil(Countries.code(named: "Atlantis"))
        let screener = Screener(lists: [list])
        let anywhere = screener.screen(name: "Josue Nunes Peres")
        let mexico = screener.screen(name: "Josue Nunes Peres", country: "MX")
        let kenya = screener.screen(name: "Josue Nunes Peres", country: "KE")
        XCTAssertLessThan(anywhere.score, 900_000)
        XCTAssertEqual(mexico.score, anywhere.score + 30_000)
        XCTAssertEqual(kenya.score, anywhere.score, "another country argues nothing: senders live abroad")
    }
}

/// The screener scores only listed names that have a token close to one of the party's (see
/// `ScreeningIndex`); these tests hold it to scoring every listed name.
final class ScreeningIndexTests: XCTestCase {
    /// Every listed name scored with `NameMatching.score` and the screener's bonuses, keeping the
    /// names with a token at least `floor` similar to one of the party's: what `screen` must equal.
    func reference(_ screener: Screener, _ name: String, dateOfBirth: UInt32, country: String?) -> (Int, String?) {
        let party = NameMatching.normalise(name)
        var best = (0, String?.none)
        for list in screener.lists {
            for entry in list.entries {
                for listed in entry.names {
                    let tokens = NameMatching.normalise(listed)
                    guard tokens.contains(where: { t in party.contains { NameMatching.jaroWinkler(t, $0) >= screener.floor } })
                    else { continue }
                    var score = NameMatching.score(party, tokens)
                    if dateOfBirth != 0, !entry.datesOfBirth.isEmpty {
                        if entry.datesOfBirth.contains(where: { $0 / 10_000 == dateOfBirth / 10_000 }) {
                            score = min(NameMatching.whole, score + 50_000)
                        } else if entry.datesOfBirth.allSatisfy({ Int($0 / 10_000).distance(to: Int(dateOfBirth / 10_000)).magnitude > 1 }) {
                            score -= 100_000
                        }
                    }
                    if let country, entry.countries.contains(country) { score = min(NameMatching.whole, score + 30_000) }
                    if score > best.0 { best = (score, entry.id) }
                }
            }
        }
        return best
    }

    func testTheIndexScoresEveryNameThatMatters() throws {
        var random = SystemRandomNumberGenerator()
        let pieces = ["jo", "se", "nu", "ñe", "z", "pé", "rez", "ti", "mur", "ka", "ri", "mov", "al", "i", "ha", "san",
                      "mo", "ham", "med", "gra", "ce", "wan", "ji", "ru", "ü", "ot", "ie", "no"]
        func token() -> String { (0..<Int.random(in: 1...4, using: &random)).map { _ in pieces.randomElement(using: &random)! }.joined() }
        func name() -> String { (0..<Int.random(in: 1...4, using: &random)).map { _ in token() }.joined(separator: Bool.random() ? " " : ", ") }
        let entries = (0..<300).map { index in
            SanctionsList.Entry(id: "\(index)", names: (0..<Int.random(in: 1...3, using: &random)).map { _ in name() },
                                datesOfBirth: Bool.random() ? [UInt32.random(in: 1950...2000) * 10_000] : [],
                                countries: Bool.random() ? ["MX"] : [])
        }
        let screener = Screener(lists: [SanctionsList(source: "generated", entries: entries)])
        var reviewed = 0
        for _ in 0..<250 {
            // Listed names, changed a little, and new ones.
            var party = Bool.random() ? entries.randomElement()!.names.randomElement()! : name()
            if Bool.random(), !party.isEmpty { party.remove(at: party.index(party.startIndex, offsetBy: Int.random(in: 0..<party.count))) }
            let dob: UInt32 = Bool.random() ? UInt32.random(in: 1950...2000) * 10_000 + 101 : 0
            let country: String? = Bool.random() ? "MX" : nil
            let result = screener.screen(name: party, dateOfBirth: dob, country: country)
            let expected = reference(screener, party, dateOfBirth: dob, country: country)
            XCTAssertEqual(result.score, expected.0, "\(party)")
            if result.score > 0 { XCTAssertEqual(result.entryId, expected.1, "\(party)") }
            if result.decision != .clear { reviewed += 1 }
        }
        XCTAssertGreaterThan(reviewed, 50, "the generated parties include close names")
    }

    /// The screener once scored only names sharing a first letter with the party: a
    /// transliteration changing every initial slipped through.
    func testTransliterationsWithOtherInitialsAreCaught() throws {
        let list = SanctionsList(source: "test", entries: [SanctionsList.Entry(id: "7", names: ["Yusuf KASSEM"])])
        let result = Screener(lists: [list]).screen(name: "Jusuf Qassem")
        XCTAssertEqual(result.decision, .review, "\(result)")
        XCTAssertEqual(result.entryId, "7")
    }

    func testASCIINamesTakeTheShortPathToTheSameTokens() {
        for name in ["Maria Otieno", "O'BRIEN, Sean", "  ACME-2 Ltd. (Nairobi)  ", "", "---", "Zz9 a_b"] {
            XCTAssertEqual(NameMatching.scalarTokensForTesting(name), NameMatching.normalise(name), name)
        }
        XCTAssertEqual(NameMatching.scalarTokensForTesting("José Núñez"), ["jose", "nunez"])
    }
}

extension ScreeningIndexTests {
    /// A remembered result is the result: the same parties screened with a memo smaller than
    /// their number (so it fills and starts again) and without one agree, party by party.
    func testTheMemoAnswersAsScreeningDoes() {
        let list = try! SanctionsList.ofacSDN(csv: ScreeningTests.sdn, aliases: ScreeningTests.alt, source: "sdn.csv")
        let remembering = Screener(lists: [list], memoCapacity: 3)
        let fresh = Screener(lists: [list], memoCapacity: 0)
        let parties: [(String, UInt32, String?)] = [
            ("José Antonio Núñez Pérez", 0, nil), ("Jose Antonio Nunez Perez", 19_750_412, "MX"),
            ("Jose Antonio Nunez Perez", 19_990_101, nil), ("Timour Karimoff", 0, "KE"), ("Maria Lopez", 0, nil),
            ("Timothy Karim", 19_680_101, nil), ("Golden Horizon Trading L.L.C.", 0, nil),
        ]
        for round in 0..<3 {
            for (name, dob, country) in parties {
                XCTAssertEqual(remembering.screen(name: name, dateOfBirth: dob, country: country),
                               fresh.screen(name: name, dateOfBirth: dob, country: country), "round \(round): \(name)")
            }
        }
    }
}
