import Foundation
import RemitDomain
import RemitFormats

/// The readers of files from outside, one fuzz target each. Besides not crashing, hanging or
/// leaking, each checks what must hold of whatever it accepts; a violation traps, which libFuzzer
/// reports as a finding.
enum FormatTargets {
    /// The configuration's TOML: a key's line is a real line, and parsing is deterministic.
    static func toml(_ data: UnsafeRawBufferPointer) {
        let text = String(decoding: data, as: UTF8.self)
        guard let document = try? TOMLDocument(parsing: text) else { return }
        for (path, line) in document.lines { precondition(line >= 1, "\(path) is on line \(line)") }
        precondition((try? TOMLDocument(parsing: text))?.root == document.root, "two parses differ")
    }

    /// OFAC's SDN CSV; a NUL byte separates sdn.csv from alt.csv.
    static func sdn(_ data: UnsafeRawBufferPointer) {
        let bytes = Array(data)
        let split = bytes.firstIndex(of: 0)
        let csv = String(decoding: bytes[..<(split ?? bytes.count)], as: UTF8.self)
        let aliases = split.map { String(decoding: bytes[($0 + 1)...], as: UTF8.self) }
        guard let list = try? SanctionsList.ofacSDN(csv: csv, aliases: aliases, source: "fuzz") else { return }
        check(list)
    }

    /// The UN Security Council Consolidated List's XML.
    static func un(_ data: UnsafeRawBufferPointer) {
        guard let list = try? SanctionsList.unConsolidated(xml: Data(data), file: "fuzz.xml") else { return }
        check(list)
    }

    /// A partner bank's pain.002 status report.
    static func pain002(_ data: UnsafeRawBufferPointer) {
        guard let report = try? Pain002Report.parse(Data(data)) else { return }
        precondition(!report.originalMessageId.isEmpty, "a report without an original message id")
        precondition((try? Pain002Report.parse(Data(data))) == report, "two parses differ")
    }

    /// A partner's camt.053 statement or camt.054 notification.
    static func camt(_ data: UnsafeRawBufferPointer) {
        guard let statements = try? CamtStatement.parse(Data(data)) else { return }
        for statement in statements { check(statement) }
        precondition((try? CamtStatement.parse(Data(data))) == statements, "two parses differ")
    }

    /// A partner's CSV statement, read with a mapping chosen by the first byte (so that the
    /// fuzzer explores each): signed amounts, or a direction column; ISO or day-first dates.
    static func csv(_ data: UnsafeRawBufferPointer) {
        guard let first = data.first else { return }
        var mapping = CSVStatement.Mapping(amount: "Amount")
        mapping.endToEndId = "Reference"
        mapping.reference = "Receipt"
        mapping.date = "Date"
        mapping.status = "Status"
        if first & 1 == 1 { mapping.direction = "Type" }
        if first & 2 == 2 { mapping.currency = .fixed("KES") }
        if first & 4 == 4 { mapping.dateFormat = .dayMonthYear }
        if first & 8 == 8 { mapping.delimiter = UInt8(ascii: ";") }
        let body = Data(data.dropFirst())
        guard let statement = try? CSVStatement.parse(body, mapping, id: "fuzz") else { return }
        check(statement)
        precondition((try? CSVStatement.parse(body, mapping, id: "fuzz")) == statement, "two parses differ")
    }

    /// What a statement that was read must give reconciliation: numbered lines in order, amounts
    /// not negative in a currency ISO 4217 knows, dates that are dates.
    static func check(_ statement: PartnerStatement) {
        for (position, line) in statement.lines.enumerated() {
            precondition(position == 0 || line.number > statement.lines[position - 1].number, "lines out of order")
            precondition(line.amount >= 0, "a negative amount on line \(line.number)")
            precondition((try? Currency(line.currency)) != nil, "line \(line.number): currency \(line.currency)")
            if let date = line.date {
                precondition(date.utf8.count == 10, "line \(line.number): date \(date)")
            }
        }
        _ = statement.bookedNet
    }

    /// What a loaded list must give screening: entries with names, and each listed name that has
    /// a token at all matching itself. A name screening cannot find would be a silent gap in the
    /// list.
    static func check(_ list: SanctionsList) {
        for entry in list.entries {
            precondition(!entry.names.isEmpty, "entry \(entry.id) has no name")
        }
        let screener = Screener(lists: [list], memoCapacity: 0)
        for entry in list.entries.prefix(4) {
            for name in entry.names.prefix(2) where !NameMatching.normalise(name).isEmpty {
                let result = screener.screen(name: name)
                precondition(result.decision == .match, "\"\(name)\" of entry \(entry.id) screens as \(result.decision)")
            }
        }
    }
}
