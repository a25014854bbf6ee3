/// The listed names of a screener's lists, prepared once per list version so that screening a
/// party costs a scan of the lists' distinct tokens, not a comparison with every listed name.
///
/// Why this finds every name that matters: a listed name's score is the average of its tokens'
/// best similarities, and an average is never above its largest term. So a name scoring at least
/// `floor` has at least one token at least `floor` similar to one of the party's tokens; the index
/// finds those tokens in the vocabulary of distinct listed tokens and scores only the names that
/// hold them. Every name reaching the floor is scored exactly as `NameMatching.score` scores it.
///
/// ```swift
/// let index = ScreeningIndex(names: [["jose", "nunez"], ["timur", "karimov"]])
/// index.candidates(for: NameMatching.scalarTokens("Jose Nunes"), floor: 770_000)   // [0]
/// ```
struct ScreeningIndex: Sendable {
    /// One listed name: its tokens as vocabulary indices, longest first (`NameMatching.score`'s
    /// order).
    struct Name: Sendable {
        var tokens: [Int32]
    }

    /// Every distinct token's Unicode scalars, back to back; token `v` is
    /// `scalars[starts[v]..<starts[v + 1]]`.
    private let scalars: [UInt32]
    private let starts: [Int32]
    /// Which scalars (modulo 64) each token holds: a party token's scalars absent from it cannot
    /// be matched, which bounds the similarity before computing it.
    private let masks: [UInt64]
    /// Each token's length in scalars and first scalar, beside the masks for a scan that touches
    /// nothing else until a token may come close.
    private let lengths: [Int32]
    private let firsts: [UInt32]
    /// Vocabulary index → the names holding that token, ascending.
    private let holders: [[Int32]]
    let names: [Name]

    init(names listed: [[String]]) {
        var vocabulary: [String: Int32] = [:]
        var scalars: [UInt32] = []
        var starts: [Int32] = [0]
        var masks: [UInt64] = []
        var holders: [[Int32]] = []
        var names: [Name] = []
        names.reserveCapacity(listed.count)
        for (nameIndex, tokens) in listed.enumerated() {
            var ids: [Int32] = []
            // The same order as NameMatching.score sorts a listed name's tokens; `normalise`
            // yields no empty token.
            for token in tokens.sorted(by: { $0.count > $1.count }) where !token.isEmpty {
                let id: Int32
                if let known = vocabulary[token] {
                    id = known
                } else {
                    id = Int32(holders.count)
                    vocabulary[token] = id
                    var mask: UInt64 = 0
                    for scalar in token.unicodeScalars {
                        scalars.append(scalar.value)
                        mask |= 1 << (scalar.value & 63)
                    }
                    starts.append(Int32(scalars.count))
                    masks.append(mask)
                    holders.append([])
                }
                if holders[Int(id)].last != Int32(nameIndex) { holders[Int(id)].append(Int32(nameIndex)) }
                ids.append(id)
            }
            names.append(Name(tokens: ids))
        }
        self.scalars = scalars
        self.starts = starts
        self.masks = masks
        self.lengths = (0..<holders.count).map { starts[$0 + 1] - starts[$0] }
        self.firsts = (0..<holders.count).map { scalars[Int(starts[$0])] }
        self.holders = holders
        self.names = names
    }

    /// The names holding a token at least `floor` similar (Jaro-Winkler, ppm) to one of
    /// `party`'s tokens, ascending, each once.
    func candidates(for party: NameMatching.Tokens, floor: Int) -> [Int32] {
        var found: [Int32] = []
        // The Jaro similarity needed for Jaro-Winkler to reach the floor, with no common prefix
        // and with the longest (4), in ppm, each rounded down.
        let whole = NameMatching.whole
        let needed = (floor, (floor - 400_000) * whole / 600_000)
        scalars.withUnsafeBufferPointer { all in
            party.scalars.withUnsafeBufferPointer { partyScalars in
                for index in 0..<party.count where !party.range(index).isEmpty {
                    let s = UnsafeBufferPointer(rebasing: partyScalars[party.range(index)])
                    var mask: UInt64 = 0
                    for scalar in s { mask |= 1 << (scalar & 63) }
                    let a = s.count, repeated = a - mask.nonzeroBitCount, first = s[0]
                    for v in 0..<holders.count {
                        // m matched scalars are at most the scalars both hold (modulo 64) plus
                        // the party token's repeats; the Jaro similarity is at most
                        // (m/a + m/b + 1)/3, so reaching J needs m(a + b) >= (3J - 1)ab.
                        let b = Int(lengths[v])
                        let m = min(b, (mask & masks[v]).nonzeroBitCount + repeated)
                        let j = firsts[v] == first ? needed.1 : needed.0
                        guard m * (a + b) * whole >= (3 * j - whole) * a * b else { continue }
                        let t = UnsafeBufferPointer(rebasing: all[Int(starts[v])..<Int(starts[v + 1])])
                        guard Self.bound(s, mask: mask, t, masks[v]) >= floor else { continue }
                        guard NameMatching.jaroWinkler(s, t) >= floor else { continue }
                        found.append(contentsOf: holders[v])
                    }
                }
            }
        }
        found.sort()
        var unique: [Int32] = []
        unique.reserveCapacity(found.count)
        for name in found where unique.last != name { unique.append(name) }
        return unique
    }

    /// `names[name]` scored against `party` as `NameMatching.score` does.
    func score(_ party: NameMatching.Tokens, name: Int32) -> Int {
        let listed = names[Int(name)].tokens
        return scalars.withUnsafeBufferPointer { all in
            NameMatching.score(party, listedCount: listed.count) { index in
                let v = Int(listed[index])
                return UnsafeBufferPointer(rebasing: all[Int(starts[v])..<Int(starts[v + 1])])
            }
        }
    }

    /// An upper bound of `jaroWinkler(s, t)` in ppm, from the lengths, the scalars of `s` that
    /// `t` cannot hold and the common prefix: the Jaro similarity is at most
    /// (m/|s| + m/|t| + 1) / 3 for m matched scalars.
    @inline(__always)
    static func bound(_ s: UnsafeBufferPointer<UInt32>, mask: UInt64, _ t: UnsafeBufferPointer<UInt32>, _ tMask: UInt64) -> Int {
        guard !t.isEmpty else { return 0 }
        var matchable = 0
        if mask & ~tMask == 0 {
            matchable = s.count
        } else {
            for scalar in s where tMask & (1 << (scalar & 63)) != 0 { matchable += 1 }
        }
        let m = min(matchable, t.count)
        guard m > 0 else { return 0 }
        let whole = NameMatching.whole
        let jaro = (m * whole / s.count + m * whole / t.count + whole) / 3
        var prefix = 0
        while prefix < min(4, s.count, t.count) && s[prefix] == t[prefix] { prefix += 1 }
        // Rounded up by one: the exact computation rounds each term down.
        return jaro + prefix * (whole - jaro) / 10 + 1
    }
}
