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
