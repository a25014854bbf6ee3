// Foundation for Unicode canonical decomposition only (the standard library does not expose it).
import Foundation

/// Name comparison for sanctions screening, as open-source screeners do it: names normalised
/// (case, diacritics, punctuation), split into tokens, tokens compared with Jaro-Winkler, and the
/// best pairing of tokens scored regardless of their order.
///
/// ```swift
/// NameMatching.normalise("José  Núñez-Pérez")                    // ["jose", "nunez", "perez"]
/// NameMatching.score("Perez, Jose Nunez", "José Núñez-Pérez")   // 1_000_000 (ppm)
/// ```
public enum NameMatching {
    /// Lowercased, diacritics removed, punctuation as spaces, split on spaces.
    public static func normalise(_ name: String) -> [String] {
        var scalars: [Unicode.Scalar] = []
        // Canonical decomposition splits "é" into "e" and a combining accent, which is dropped.
        for scalar in name.decomposedStringWithCanonicalMapping.unicodeScalars {
            switch scalar.properties.generalCategory {
            case .nonspacingMark, .spacingMark, .enclosingMark:
                continue
            case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .otherLetter, .modifierLetter, .decimalNumber:
                scalars.append(contentsOf: scalar.properties.lowercaseMapping.unicodeScalars)
            default:
                scalars.append(" ")
            }
        }
        var text = String.UnicodeScalarView()
        text.append(contentsOf: scalars)
        return String(text).split(separator: " ").map(String.init)
    }

    /// Scores are parts per million (1,000,000 is identical): integers, like everything else here.
    public static let whole = 1_000_000

    /// The tokens of `normalise(name)` as Unicode scalar values, what the screener compares. An
    /// ASCII name (most names on the wire) takes a path without Foundation: canonical
    /// decomposition leaves ASCII as it is, and every ASCII letter or digit is kept lowercased
    /// while everything else separates tokens, as in `normalise`.
    static func scalarTokens(_ name: String) -> Tokens {
        var ascii = true
        for byte in name.utf8 where byte >= 0x80 { ascii = false; break }
        guard ascii else { return Tokens(normalise(name)) }
        var tokens = Tokens()
        var start = 0
        for byte in name.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): tokens.scalars.append(UInt32(byte) + 32)
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"): tokens.scalars.append(UInt32(byte))
            default:
                if tokens.scalars.count > start { tokens.ends.append(tokens.scalars.count); start = tokens.scalars.count }
            }
        }
        if tokens.scalars.count > start { tokens.ends.append(tokens.scalars.count) }
        return tokens
    }

    /// Jaro-Winkler similarity of two strings in parts per million, on Unicode scalars; the
    /// prefix bonus uses at most 4 characters and a scale of 0.1.
    public static func jaroWinkler(_ a: String, _ b: String) -> Int {
        let s = a.unicodeScalars.map(\.value), t = b.unicodeScalars.map(\.value)
        return s.withUnsafeBufferPointer { s in t.withUnsafeBufferPointer { t in jaroWinkler(s, t) } }
    }

    /// `jaroWinkler` on scalar values, without allocating for tokens of up to 64 scalars.
    static func jaroWinkler(_ s: UnsafeBufferPointer<UInt32>, _ t: UnsafeBufferPointer<UInt32>) -> Int {
        if s.isEmpty && t.isEmpty { return whole }
        if s.isEmpty || t.isEmpty { return 0 }
        return withUnsafeTemporaryAllocation(of: Bool.self, capacity: s.count + t.count) { flags in
            flags.initialize(repeating: false)
            let sMatched = UnsafeMutableBufferPointer(rebasing: flags[0..<s.count])
            let tMatched = UnsafeMutableBufferPointer(rebasing: flags[s.count...])
            let window = max(0, max(s.count, t.count) / 2 - 1)
            var matches = 0
            for i in 0..<s.count {
                let low = max(0, i - window), high = min(t.count, i + window + 1)
                guard low < high else { continue }
                for j in low..<high where !tMatched[j] && s[i] == t[j] {
                    sMatched[i] = true
                    tMatched[j] = true
                    matches += 1
                    break
                }
            }
            guard matches > 0 else { return 0 }
            var transpositions = 0, k = 0
            for i in 0..<s.count where sMatched[i] {
                while !tMatched[k] { k += 1 }
                if s[i] != t[k] { transpositions += 1 }
                k += 1
            }
            // (m/|s| + m/|t| + (m − t/2)/m) / 3, in ppm: the last term is (2m − t) / 2m.
            let jaro = (matches * whole / s.count + matches * whole / t.count
                + (2 * matches - transpositions) * whole / (2 * matches)) / 3
            var prefix = 0
            while prefix < min(4, s.count, t.count) && s[prefix] == t[prefix] { prefix += 1 }
            return jaro + prefix * (whole - jaro) / 10
        }
    }

    /// How well `candidate` matches `listed`, in ppm: each listed token is paired with its most
    /// similar candidate token (each used once), and the scores averaged over the listed name's
    /// tokens, so that word order does not matter and a listed name is not matched by one of its
    /// words alone.
    public static func score(_ candidate: String, _ listed: String) -> Int {
        score(normalise(candidate), normalise(listed))
    }

    public static func score(_ candidate: [String], _ listed: [String]) -> Int {
        let party = Tokens(candidate)
        // Longer listed tokens first: they carry the most information.
        var scalars: [UInt32] = [], ranges: [Range<Int>] = []
        for token in listed.sorted(by: { $0.count > $1.count }) {
            let start = scalars.count
            scalars.append(contentsOf: token.unicodeScalars.map(\.value))
            ranges.append(start..<scalars.count)
        }
        return scalars.withUnsafeBufferPointer { all in
            score(party, listedCount: ranges.count) { UnsafeBufferPointer(rebasing: all[ranges[$0]]) }
        }
    }

    /// `score` with the listed name's tokens, longest first, given by `listedToken` (valid for
    /// the call).
    static func score(_ party: Tokens, listedCount: Int, listedToken: (Int) -> UnsafeBufferPointer<UInt32>) -> Int {
        guard party.count > 0, listedCount > 0 else { return 0 }
        return party.scalars.withUnsafeBufferPointer { all in
            withUnsafeTemporaryAllocation(of: Bool.self, capacity: party.count) { used in
                used.initialize(repeating: false)
                // Tokens taken by an earlier listed token, in the party's order, as removing them
                // from a list would: the first most similar token of those left wins.
                var left = party.count
                var total = 0
                for index in 0..<listedCount {
                    guard left > 0 else { break }
                    let token = listedToken(index)
                    var best = 0, bestIndex = -1
                    for other in 0..<party.count where !used[other] {
                        let similarity = jaroWinkler(token, UnsafeBufferPointer(rebasing: all[party.range(other)]))
                        if bestIndex < 0 || similarity > best { (best, bestIndex) = (similarity, other) }
                    }
                    total += best
                    used[bestIndex] = true
                    left -= 1
                }
                // A candidate with extra tokens ("Maria Lopez Garcia" against "Maria Lopez") is
                // not penalised; a candidate with fewer tokens than the listed name scores the
                // missing as 0.
                return total / listedCount
            }
        }
    }

    /// A name's tokens as Unicode scalar values, back to back: token `i` is
    /// `scalars[range(i)]`.
    struct Tokens: Sendable {
        var scalars: [UInt32] = []
        var ends: [Int] = []

        var count: Int { ends.count }
        func range(_ index: Int) -> Range<Int> { (index == 0 ? 0 : ends[index - 1])..<ends[index] }

        init() {}

        init(_ tokens: [String]) {
            for token in tokens { append(token.unicodeScalars.lazy.map(\.value)) }
        }

        mutating func append(_ token: some Sequence<UInt32>) {
            scalars.append(contentsOf: token)
            ends.append(scalars.count)
        }
    }
}

extension NameMatching {
    /// `scalarTokens` as strings, for tests that hold it to `normalise`.
    public static func scalarTokensForTesting(_ name: String) -> [String] {
        let tokens = scalarTokens(name)
        return (0..<tokens.count).map { index in
            var text = String.UnicodeScalarView()
            text.append(contentsOf: tokens.scalars[tokens.range(index)].compactMap(Unicode.Scalar.init))
            return String(text)
        }
    }
}
