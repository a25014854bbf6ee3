/// A sanctions list as the screener uses it: entries with their names (primary and aliases),
/// and, when the list gives them, dates of birth and countries.
public struct SanctionsList: Sendable {
    public struct Entry: Sendable, Hashable {
        public var id: String
        public var names: [String]
        /// `YYYYMMDD`, or `YYYY0000` when only the year is known.
        public var datesOfBirth: [UInt32]
        public var countries: Set<String>
        public var program: String

        public init(id: String, names: [String], datesOfBirth: [UInt32] = [], countries: Set<String> = [], program: String = "") {
            self.id = id
            self.names = names
            self.datesOfBirth = datesOfBirth
            self.countries = countries
            self.program = program
        }
    }

    /// Which list and which version of it (a file name and its date), recorded with every decision.
    public var source: String
    public var entries: [Entry]

    public init(source: String, entries: [Entry]) {
        self.source = source
        self.entries = entries
    }

    public struct Invalid: Error, CustomStringConvertible {
        public let description: String
        public init(_ description: String) { self.description = description }
    }

    /// Reads OFAC's SDN list in its CSV layout (`sdn.csv`: ent_num, SDN_Name, SDN_Type, Program,
    /// Title, Call_Sign, Vess_type, Tonnage, GRT, Vess_flag, Vess_owner, Remarks; `-0-` for
    /// empty), with aliases from `alt.csv` (ent_num, alt_num, alt_type, alt_name, alt_remarks) if
    /// given. Names written "LAST, First" are turned into "First LAST". Dates of birth are read
    /// from the remarks (`DOB 12 Apr 1985`, `DOB 1985`), and countries from their `nationality`,
    /// `citizen` and `POB` clauses. At most 1,000,000 rows and 64 MiB each.
    public static func ofacSDN(csv: String, aliases: String? = nil, source: String) throws(Invalid) -> SanctionsList {
        guard csv.utf8.count <= 64 << 20, (aliases?.utf8.count ?? 0) <= 64 << 20 else { throw Invalid("a list larger than 64 MiB") }
        var entries: [String: Entry] = [:]
        var order: [String] = []
        for (number, row) in try CSVRows.parse(csv).enumerated() {
            guard row.count >= 12 else { throw Invalid("sdn.csv row \(number + 1): \(row.count) fields, 12 expected") }
            let id = row[0].trimmed
            guard !id.isEmpty, id != "-0-" else { throw Invalid("sdn.csv row \(number + 1): no ent_num") }
            guard row[2].trimmed.lowercased() != "vessel", row[2].trimmed.lowercased() != "aircraft" else { continue }
            let remarks = row[11] == "-0-" ? "" : row[11]
            entries[id] = Entry(id: id, names: [displayName(row[1])], datesOfBirth: datesOfBirth(in: remarks),
                                countries: countries(in: remarks), program: row[3].trimmed)
            order.append(id)
            guard order.count <= 1_000_000 else { throw Invalid("more than 1,000,000 entries") }
        }
        if let aliases {
            for (number, row) in try CSVRows.parse(aliases).enumerated() {
                guard row.count >= 4 else { throw Invalid("alt.csv row \(number + 1): \(row.count) fields, 4 expected") }
                let id = row[0].trimmed
                guard entries[id] != nil else { continue }
                let name = row[3].trimmed
                if !name.isEmpty && name != "-0-" { entries[id]!.names.append(displayName(name)) }
            }
        }
        return SanctionsList(source: source, entries: order.compactMap { entries[$0] })
    }

    static func displayName(_ raw: String) -> String {
        let name = raw.trimmed
        let parts = name.split(separator: ",", maxSplits: 1)
        guard parts.count == 2 else { return name }
        return "\(parts[1].trimmed) \(parts[0].trimmed)"
    }

    /// `nationality Venezuela; citizen Venezuela; POB Caracas, Venezuela`, as ISO codes.
    static func countries(in remarks: String) -> Set<String> {
        var codes: Set<String> = []
        for clause in remarks.split(separator: ";") {
            let words = clause.trimmed
            for label in ["nationality ", "citizen ", "POB "] where words.lowercased().hasPrefix(label.lowercased()) {
                let place = words.dropFirst(label.count)
                // A place of birth names the country last: "Caracas, Venezuela".
                let country = place.split(separator: ",").last.map { $0.trimmingPunctuation.trimmed } ?? ""
                if let code = Countries.code(named: country) { codes.insert(code) }
            }
        }
        return codes
    }

    static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]

    /// `DOB 12 Apr 1985`, `DOB Apr 1985`, `DOB 1985` (several separated by `;`), as YYYYMMDD.
    static func datesOfBirth(in remarks: String) -> [UInt32] {
        var dates: [UInt32] = []
        for clause in remarks.split(separator: ";") {
            let words = clause.split(separator: " ").map { String($0).trimmingPunctuation }
            guard let dob = words.firstIndex(where: { $0.uppercased() == "DOB" }) else { continue }
            let rest = Array(words[(dob + 1)...].prefix(3))
            var day: UInt32 = 0, month: UInt32 = 0, year: UInt32 = 0
            for word in rest {
                if let number = UInt32(word) {
                    // A year has four digits: a longer number is not a date (and would overflow).
                    if (1_000...9_999).contains(number) { year = number } else if (1...31).contains(number) { day = number }
                } else if let index = months.firstIndex(of: String(word.lowercased().prefix(3))) {
                    month = UInt32(index + 1)
                }
            }
            if year > 0 { dates.append(year * 10_000 + month * 100 + (month > 0 ? day : 0)) }
        }
        return dates
    }
}

/// RFC 4180 CSV: fields separated by commas, optionally in double quotes, `""` for a quote
/// inside them, rows ended by CRLF or LF. A quote left open is an error, not a guess.
enum CSVRows {
    static func parse(_ text: String) throws(SanctionsList.Invalid) -> [[String]] {
        var rows: [[String]] = []
        var row: [String] = []
        var field: [UInt8] = []
        var quoted = false, afterQuote = false
        var bytes = Array(text.utf8).makeIterator()
        var pending: UInt8? = nil
        func next() -> UInt8? {
            if let p = pending { pending = nil; return p }
            return bytes.next()
        }
        func endField() {
            row.append(String(decoding: field, as: UTF8.self))
            field.removeAll(keepingCapacity: true)
            afterQuote = false
        }
        while let byte = next() {
            if quoted {
                if byte == UInt8(ascii: "\"") {
                    if let following = next() {
                        if following == UInt8(ascii: "\"") { field.append(byte) } else {
                            quoted = false
                            afterQuote = true
                            pending = following
                        }
                    } else {
                        quoted = false
                    }
                } else {
                    field.append(byte)
                }
                continue
            }
            switch byte {
            case UInt8(ascii: "\"") where field.isEmpty && !afterQuote: quoted = true
            case UInt8(ascii: ","): endField()
            case UInt8(ascii: "\r"): continue
            case UInt8(ascii: "\n"):
                endField()
                if !(row.count == 1 && row[0].isEmpty) { rows.append(row) }
                row.removeAll(keepingCapacity: true)
            default: field.append(byte)
            }
        }
        guard !quoted else { throw SanctionsList.Invalid("a quoted field is not closed at the end of the file") }
        if !field.isEmpty || !row.isEmpty {
            endField()
            rows.append(row)
        }
        return rows
    }
}

extension StringProtocol {
    var trimmed: String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }

    var trimmingPunctuation: String {
        String(drop { ",.".contains($0) }.reversed().drop { ",.".contains($0) }.reversed())
    }
}
