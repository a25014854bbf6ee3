import Dispatch
import RemitDomain

// Screening micro-benchmark: one party's name screened against a synthetic list of N names
// (N = 8, the demo's size, then 1,000, 10,000 and 20,000: OFAC's SDN list with its aliases is
// about 18,000 names), each party afresh and then again from the screener's memo. Names are
// built from common syllables, two to four tokens, some with accents, from a fixed seed, so
// every run screens the same lists. Best of 7 rounds, ns per screened name. Run in release
// (see BENCHMARKS.md).

func nowNanoseconds() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

/// SplitMix64: a fixed, portable sequence.
struct Seeded: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

let syllables = ["ma", "ri", "an", "to", "jo", "se", "ka", "rim", "ov", "al", "hu", "sein", "mo", "ham", "med",
                 "ab", "dul", "lah", "ne", "zh", "ko", "vich", "pe", "rez", "gar", "cia", "lo", "pez", "wan", "ji",
                 "ru", "ot", "ie", "no", "ta", "hir", "ba", "kr", "ish", "na", "li", "ang", "chen", "ng", "uy", "en",
                 "é", "ñ", "ü"]

func token(_ random: inout Seeded) -> String {
    let count = Int.random(in: 2...4, using: &random)
    var text = ""
    for _ in 0..<count { text += syllables.randomElement(using: &random)! }
    return text.prefix(1).uppercased() + text.dropFirst()
}

func name(_ random: inout Seeded) -> String {
    (0..<Int.random(in: 2...4, using: &random)).map { _ in token(&random) }.joined(separator: " ")
}

func list(names count: Int) -> SanctionsList {
    var random = Seeded(state: 42)
    var entries: [SanctionsList.Entry] = []
    while entries.reduce(0, { $0 + $1.names.count }) < count {
        let aliases = min(count - entries.reduce(0, { $0 + $1.names.count }), Int.random(in: 1...3, using: &random))
        entries.append(SanctionsList.Entry(id: "\(entries.count + 1)", names: (0..<aliases).map { _ in name(&random) },
                                           datesOfBirth: [UInt32.random(in: 1940...2000, using: &random) * 10_000],
                                           countries: ["MX"]))
    }
    return SanctionsList(source: "synthetic", entries: entries)
}

/// Best time per name over `rounds` rounds of `repeats` screenings of `parties`.
func measure(_ screener: Screener, _ parties: [String], repeats: Int, rounds: Int = 7) -> Double {
    var best = UInt64.max
    var decisions = 0
    for _ in 0..<rounds {
        let start = nowNanoseconds()
        for _ in 0..<repeats {
            for party in parties where screener.screen(name: party, dateOfBirth: 19_850_412, country: "KE").decision != .clear {
                decisions += 1
            }
        }
        best = min(best, nowNanoseconds() - start)
    }
    precondition(decisions >= 0)
    return Double(best) / Double(repeats * parties.count)
}

let ascii = ["Maria Otieno", "Grace Wanjiru", "John Kamau Mwangi", "Li Wei"]
let accented = ["José Antonio Núñez Pérez", "Zoë Müller", "Nguyễn Văn An", "Seán O'Brien"]
// Fresh: every party screened against the lists (no memo). Again: the same parties once more,
// as a returning sender or beneficiary is, answered from the screener's memo.
print("list_names  ascii_ns/name  accented_ns/name  again_ns/name")
for size in [8, 1_000, 10_000, 20_000] {
    let lists = [list(names: size)]
    let fresh = Screener(lists: lists, memoCapacity: 0)
    let repeats = max(1, 400_000 / size)
    let asciiNs = measure(fresh, ascii, repeats: repeats)
    let accentedNs = measure(fresh, accented, repeats: repeats)
    let again = measure(Screener(lists: lists), ascii + accented, repeats: 50_000)
    print(String(format: "%10d  %13.0f  %16.0f  %13.0f", size, asciiNs, accentedNs, again))
}
