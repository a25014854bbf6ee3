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

    /// Jaro-Winkler similarity of two strings in parts per million, on Unicode scalars; the
    /// prefix bonus uses at most 4 characters and a scale of 0.1.
    public static func jaroWinkler(_ a: String, _ b: String) -> Int {
        let s = Array(a.unicodeScalars), t = Array(b.unicodeScalars)
        if s.isEmpty && t.isEmpty { return whole }
        if s.isEmpty || t.isEmpty { return 0 }
        let window = max(0, max(s.count, t.count) / 2 - 1)
        var sMatched = [Bool](repeating: false, count: s.count), tMatched = [Bool](repeating: false, count: t.count)
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

    /// How well `candidate` matches `listed`, in ppm: each listed token is paired with its most
    /// similar candidate token (each used once), and the scores averaged over the listed name's
    /// tokens, so that word order does not matter and a listed name is not matched by one of its
    /// words alone.
    public static func score(_ candidate: String, _ listed: String) -> Int {
        score(normalise(candidate), normalise(listed))
    }

    public static func score(_ candidate: [String], _ listed: [String]) -> Int {
        guard !candidate.isEmpty, !listed.isEmpty else { return 0 }
        var available = candidate
        var total = 0
        // Longer listed tokens first: they carry the most information.
        for token in listed.sorted(by: { $0.count > $1.count }) {
            guard !available.isEmpty else { break }
            var best = 0, bestIndex = 0
            for (index, other) in available.enumerated() {
                let similarity = jaroWinkler(token, other)
                if similarity > best { (best, bestIndex) = (similarity, index) }
            }
            total += best
            available.remove(at: bestIndex)
        }
        // A candidate with extra tokens ("Maria Lopez Garcia" against "Maria Lopez") is not
        // penalised; a candidate with fewer tokens than the listed name scores the missing as 0.
        return total / listed.count
    }
}
