import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import RemitDomain

extension SanctionsList {
    /// Reads the UN Security Council Consolidated List in its XML layout (`CONSOLIDATED_LIST` with
    /// `INDIVIDUALS/INDIVIDUAL` and `ENTITIES/ENTITY`): the `FIRST_NAME` to `FOURTH_NAME` parts
    /// joined as one name, `NAME_ORIGINAL_SCRIPT` and every `ALIAS_NAME` as further names,
    /// dates of birth from `DATE`, `YEAR` or a `FROM_YEAR`–`TO_YEAR` span of up to ten years,
    /// and countries (as ISO codes) from nationality, addresses and place of birth. The list's
    /// `dateGenerated` goes into `source`, so each decision names the version it was taken on.
    ///
    /// External entities are never resolved, and the file is bounded: 64 MiB, 1,000,000 entries,
    /// 64 names each. Anything that is not this layout is an error, not an empty list.
    ///
    /// ```swift
    /// let list = try SanctionsList.unConsolidated(xml: Data(contentsOf: url), file: "consolidated.xml")
    /// list.source    // "consolidated.xml 2026-11-20T08:00:03"
    /// ```
    public static func unConsolidated(xml: Data, file: String) throws(Invalid) -> SanctionsList {
        guard xml.count <= 64 << 20 else { throw Invalid("a list larger than 64 MiB") }
        let reader = UNListReader()
        let failure = XMLInput.parse(xml, namespaces: false, delegate: reader)
        if let problem = reader.problem ?? failure { throw Invalid(problem) }
        guard reader.sawRoot else { throw Invalid("no CONSOLIDATED_LIST element: not the UN consolidated list layout") }
        // The parser accepts a document cut short; a list cut short would screen against part of it.
        guard reader.closedRoot else { throw Invalid("the file ends before </CONSOLIDATED_LIST>: not well-formed (truncated?)") }
        let generated = reader.generated.isEmpty ? "" : " \(reader.generated)"
        return SanctionsList(source: "\(file)\(generated)", entries: reader.entries)
    }
}

/// Collects entries as the parser walks the document. Text is gathered only inside the
/// elements it reads, and each text is bounded, so a hostile file cannot make it grow.
private final class UNListReader: NSObject, XMLParserDelegate {
    var entries: [SanctionsList.Entry] = []
    var problem: String?
    var sawRoot = false
    var closedRoot = false
    var generated = ""

    private var path: [String] = []
    private var text = ""
    private var entry: Entry?

    private struct Entry {
        var dataId = ""
        var nameParts: [String] = ["", "", "", ""]
        var names: [String] = []
        var dates: [UInt32] = []
        var countries: Set<String> = []
        var program = ""
        var fromYear: UInt32 = 0
    }

    static let nameParts = ["FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME"]
    static let maxDepth = 16
    static let maxText = 4_096

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        guard problem == nil else { return }
        if path.isEmpty {
            guard name == "CONSOLIDATED_LIST" else { return fail(parser, "the root element is \(name), not CONSOLIDATED_LIST") }
            sawRoot = true
            generated = String((attributes["dateGenerated"] ?? "").prefix(32))
        }
        path.append(name)
        guard path.count <= Self.maxDepth else { return fail(parser, "elements nested deeper than \(Self.maxDepth)") }
        if (name == "INDIVIDUAL" || name == "ENTITY") && path.count == 3 {
            guard entries.count < 1_000_000 else { return fail(parser, "more than 1,000,000 entries") }
            entry = Entry()
        }
        text = ""
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        guard entry != nil, text.utf8.count + string.utf8.count <= Self.maxText else {
            if entry != nil { fail(parser, "a value longer than \(Self.maxText) bytes") }
            return
        }
        text += string
    }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        guard problem == nil else { return }
        defer {
            path.removeLast()
            text = ""
        }
        if path.count == 1 { closedRoot = true }
        guard var current = entry else { return }
        let value = text.trimmingCharacters(in: .whitespacesAndNewlines)
        let parent = path.count >= 2 ? path[path.count - 2] : ""
        switch name {
        case "INDIVIDUAL" where path.count == 3, "ENTITY" where path.count == 3:
            let whole = current.nameParts.filter { !$0.isEmpty }.joined(separator: " ")
            var names = whole.isEmpty ? [] : [whole]
            names += current.names.filter { !$0.isEmpty && $0 != whole }
            guard !current.dataId.isEmpty else { return fail(parser, "an \(name) without a DATAID") }
            guard !names.isEmpty else { return fail(parser, "\(name) \(current.dataId) has no name") }
            entries.append(SanctionsList.Entry(id: current.dataId, names: Array(names.prefix(64)),
                                               datesOfBirth: current.dates, countries: current.countries,
                                               program: current.program))
            entry = nil
            return
        case "DATAID" where path.count == 4: current.dataId = value
        case "UN_LIST_TYPE" where path.count == 4: current.program = value
        case "NAME_ORIGINAL_SCRIPT" where path.count == 4: current.names.append(value)
        case "ALIAS_NAME": current.names.append(value)
        case _ where path.count == 4 && Self.nameParts.contains(name):
            current.nameParts[Self.nameParts.firstIndex(of: name)!] = value
        case "VALUE" where parent == "NATIONALITY",
             "COUNTRY" where parent.hasSuffix("_ADDRESS") || parent.hasSuffix("_PLACE_OF_BIRTH"):
            if let code = Countries.code(named: value) { current.countries.insert(code) }
        case "DATE" where parent.hasSuffix("_DATE_OF_BIRTH"):
            // 1971-01-01, sometimes with a time or zone after it.
            let digits = value.prefix(10).split(separator: "-").compactMap { UInt32($0) }
            if digits.count == 3, digits[0] >= 1_000 { current.dates.append(digits[0] * 10_000 + digits[1] * 100 + digits[2]) }
        case "YEAR" where parent.hasSuffix("_DATE_OF_BIRTH"):
            if let year = UInt32(value), year >= 1_000 { current.dates.append(year * 10_000) }
        case "FROM_YEAR" where parent.hasSuffix("_DATE_OF_BIRTH"):
            current.fromYear = UInt32(value) ?? 0
        case "TO_YEAR" where parent.hasSuffix("_DATE_OF_BIRTH"):
            if let to = UInt32(value), current.fromYear >= 1_000, to >= current.fromYear, to - current.fromYear <= 10 {
                current.dates += (current.fromYear...to).map { $0 * 10_000 }
            }
            current.fromYear = 0
        default: break
        }
        guard current.names.count <= 256, current.dates.count <= 256 else {
            return fail(parser, "entry \(current.dataId) has more than 256 names or dates")
        }
        entry = current
    }

    private func fail(_ parser: XMLParser, _ message: String) {
        if problem == nil { problem = "line \(parser.lineNumber): \(message)" }
        parser.abortParsing()
    }
}
