import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// What every XML document passes before Foundation's `XMLParser` sees it. On Linux that parser
/// stops the whole process on two kinds of input, both found by fuzzing (`Fuzz/run.sh un` and
/// `pain002`): a processing instruction without data, `<?x?>` (a NULL pointer read), and bytes
/// that are not UTF-8 inside an element's name (a trap). A bank's status report or a sanctions
/// list must never be able to stop remitd, so both are refused here with an error instead.
///
/// ```swift
/// let reader = Reader()   // an XMLParserDelegate
/// if let problem = XMLInput.parse(data, namespaces: true, delegate: reader) { throw Invalid(problem) }
/// ```
public enum XMLInput {
    /// Checks `data`, then parses it with `delegate`, external entities never resolved; returns
    /// why it was refused or is not well-formed, or nil.
    public static func parse(_ data: Data, namespaces: Bool, delegate: any XMLParserDelegate) -> String? {
        if let problem = problem(in: data) { return problem }
        let parser = XMLParser(data: data)
        parser.shouldResolveExternalEntities = false
        parser.shouldProcessNamespaces = namespaces
        parser.delegate = delegate
        guard parser.parse() else {
            return "not well-formed XML at line \(parser.lineNumber): \(parser.parserError.map { "\($0)" } ?? "unknown error")"
        }
        return nil
    }

    /// Why `data` is not accepted, or nil: it must be UTF-8 throughout (ISO 20022 files and the UN
    /// list are), and the XML declaration at the very start (after a byte order mark) is the only
    /// processing instruction allowed. A `<?` inside a comment or CDATA section is refused too.
    public static func problem(in data: Data) -> String? {
        if let offset = firstInvalidUTF8(in: data) { return "not UTF-8 at byte \(offset)" }
        return processingInstruction(in: data)
    }

    /// The offset of the first byte that is not part of valid UTF-8, or nil: for every reader of
    /// text from outside, which refuses such input rather than let it become U+FFFD silently.
    static func firstInvalidUTF8(in data: Data) -> Int? {
        data.withUnsafeBytes { raw -> Int? in
            var offset = 0
            while offset < raw.count {
                // ASCII, most of any statement or list, needs no decoding.
                if raw[offset] < 0x80 {
                    offset += 1
                    continue
                }
                var parser = Unicode.UTF8.ForwardParser()
                var bytes = raw[offset...].makeIterator()
                switch parser.parseScalar(from: &bytes) {
                case .valid(let scalar): offset += scalar.count
                case .emptyInput: return nil
                case .error: return offset
                }
            }
            return nil
        }
    }

    private static func processingInstruction(in data: Data) -> String? {
        let start = data.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        return data.withUnsafeBytes { raw -> String? in
            var index = raw.startIndex
            while let open = raw[index...].firstIndex(of: UInt8(ascii: "<")) {
                let next = open + 1
                if next < raw.endIndex, raw[next] == UInt8(ascii: "?"), open != start || !isDeclaration(raw[open...]) {
                    return "a processing instruction at byte \(open): only the XML declaration, first, is accepted"
                }
                index = next
            }
            return nil
        }
    }

    /// `<?xml` and a space: a declaration, which always has data (its version).
    private static func isDeclaration(_ bytes: Slice<UnsafeRawBufferPointer>) -> Bool {
        bytes.starts(with: "<?xml".utf8) && bytes.count > 5
            && [UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"), UInt8(ascii: "\n")].contains(bytes[bytes.startIndex + 5])
    }
}
