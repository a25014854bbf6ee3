/// Screens a party's name against sanctions lists. At or above `matchThreshold` the transfer is
/// refused; in the band from `reviewThreshold` up it is held for review; below, it is clear.
/// Scores and thresholds are parts per million. A date of birth, when both sides have one, moves
/// the score: the same year confirms a close name (+50,000, capped at 1,000,000), a year more
/// than a year apart argues against it (−100,000). A country the entry is tied to (nationality,
/// address, place of birth) that is also the party's confirms (+30,000, capped); a different
/// one argues nothing, since senders abroad are the rule in remittances.
///
/// ```swift
/// let screener = Screener(lists: [list], matchThreshold: 930_000, reviewThreshold: 850_000)
/// switch screener.screen(name: "José Núñez", dateOfBirth: 19850412, country: "VE").decision { ... }
/// ```
public struct Screener: Sendable {
    /// Recorded by its raw value (`clear`, `review`, `match`).
    public enum Decision: String, Hashable, Sendable {
        case clear
        case review
        case match
    }

    /// The outcome, with the best-scoring entry and the list it is on, for the record.
    public struct Result: Hashable, Sendable {
        public var decision: Decision
        /// Parts per million.
        public var score: Int
        public var entryId: String?
        public var matchedName: String?
        public var source: String?
    }

    public let lists: [SanctionsList]
    public let matchThreshold: Int
    public let reviewThreshold: Int
    /// The listed names, prepared; `sources[i]` is which list and entry name `i` of the index is.
    private let index: ScreeningIndex
    private let sources: [(list: Int, entry: Int, name: String)]
    private let memo: ScreeningMemo

    /// Most that a date of birth and a country add to a name's score.
    static let bonusCeiling = 50_000 + 30_000

    /// Below this a name's score cannot reach review even with both bonuses, so names whose every
    /// token stays below it are not scored (see `ScreeningIndex`): decisions are the same as
    /// scoring every listed name, and the cost follows the lists' distinct tokens.
    public var floor: Int { max(0, reviewThreshold - Self.bonusCeiling) }

    /// `memoCapacity`: how many parties' results to remember (see `ScreeningMemo`); 0 screens
    /// every party afresh.
    public init(lists: [SanctionsList], matchThreshold: Int = 930_000, reviewThreshold: Int = 850_000,
                memoCapacity: Int = 16_384) {
        precondition(reviewThreshold <= matchThreshold && matchThreshold <= NameMatching.whole)
        memo = ScreeningMemo(capacity: memoCapacity)
        self.lists = lists
        self.matchThreshold = matchThreshold
        self.reviewThreshold = reviewThreshold
        var sources: [(Int, Int, String)] = []
        var names: [[String]] = []
        for (l, list) in lists.enumerated() {
            for (e, entry) in list.entries.enumerated() {
                for name in entry.names {
                    sources.append((l, e, name))
                    names.append(NameMatching.normalise(name))
                }
            }
        }
        self.sources = sources
        self.index = ScreeningIndex(names: names)
    }

    /// The decision for one party. The score is exact for every listed name that has a token at
    /// least `floor` similar to one of the party's; a party with no such name scores 0 (clear).
    public func screen(name: String, dateOfBirth: UInt32 = 0, country: String? = nil) -> Result {
        let key = ScreeningMemo.Key(name: name, dateOfBirth: dateOfBirth, country: country)
        if let known = memo.result(key) { return known }
        let tokens = NameMatching.scalarTokens(name)
        guard tokens.count > 0 else { return Result(decision: .clear, score: 0) }
        let result = screen(tokens, dateOfBirth: dateOfBirth, country: country)
        memo.remember(key, result)
        return result
    }

    private func screen(_ tokens: NameMatching.Tokens, dateOfBirth: UInt32, country: String?) -> Result {
        var best = Result(decision: .clear, score: 0)
        for candidate in index.candidates(for: tokens, floor: floor) {
            var score = index.score(tokens, name: candidate)
            let source = sources[Int(candidate)]
            let entry = lists[source.list].entries[source.entry]
            if dateOfBirth != 0, !entry.datesOfBirth.isEmpty {
                let year = dateOfBirth / 10_000
                if entry.datesOfBirth.contains(where: { $0 / 10_000 == year }) {
                    score = min(NameMatching.whole, score + 50_000)
                } else if entry.datesOfBirth.allSatisfy({ Int($0 / 10_000).distance(to: Int(year)).magnitude > 1 }) {
                    score -= 100_000
                }
            }
            if let country, entry.countries.contains(country) {
                score = min(NameMatching.whole, score + 30_000)
            }
            if score > best.score {
                best = Result(decision: .clear, score: score, entryId: entry.id, matchedName: source.name,
                              source: lists[source.list].source)
            }
        }
        best.decision = best.score >= matchThreshold ? .match : best.score >= reviewThreshold ? .review : .clear
        return best
    }
}
