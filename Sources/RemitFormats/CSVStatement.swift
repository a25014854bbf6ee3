import Foundation
import RemitDomain

/// Reads a partner's statement exported as CSV (RFC 4180: a header row, fields in double quotes
/// where they hold the delimiter, a quote or a line break), with the partner's own column names
/// given by a `Mapping`. Amounts are decimal text read exactly into minor units; a payout is a
/// debit, either by a direction column or, without one, by a minus sign.
///
/// ```swift
/// var mapping = CSVStatement.Mapping(amount: "Amount")
/// mapping.endToEndId = "Client Reference"
/// mapping.reference = "Receipt No."
/// mapping.currency = .fixed("KES")
/// mapping.date = "Completion Time"
/// let statement = try CSVStatement.parse(Data(contentsOf: url), mapping, id: "MPESA-2026-11-24")
/// ```
public enum CSVStatement {
    public struct Mapping: Equatable, Sendable {
        public enum Currency: Equatable, Sendable {
            case column(String)
            case fixed(String)
        }

        public enum DateFormat: String, Equatable, Sendable, CaseIterable {
            /// `2026-11-24`, or a date and time starting so (`2026-11-24T09:14:00Z`, `2026-11-24 09:14`).
            case iso = "YYYY-MM-DD"
            case dayMonthYear = "DD/MM/YYYY"
            case monthDayYear = "MM/DD/YYYY"
            case dotted = "DD.MM.YYYY"
        }

        public var delimiter: UInt8 = UInt8(ascii: ",")
        public var amount: String
        public var currency: Currency = .column("Currency")
        public var endToEndId: String?
        public var reference: String?
        public var date: String?
        public var dateFormat: DateFormat = .iso
        /// A column saying which way the money moved; without one, a minus sign means a debit.
        public var direction: String?
        public var debitValues: Set<String> = ["D", "DR", "DBIT", "DEBIT", "PAYOUT", "OUT"]
        public var creditValues: Set<String> = ["C", "CR", "CRDT", "CREDIT", "IN"]
        /// A column whose values say a line is pending or reverses an earlier one.
        public var status: String?
        public var pendingValues: Set<String> = ["PENDING", "PDNG", "INFO"]
        public var reversalValues: Set<String> = ["REVERSED", "REVERSAL", "RETURNED", "RETURN"]
        public var returnReason: String?

        public init(amount: String) { self.amount = amount }
    }

    /// At most 512 MiB, 64 columns, 64 KiB a row.
    public static let maxBytes = 512 << 20
    public static let maxColumns = 64
    public static let maxRowBytes = 64 << 10

    /// `progress`, if given, hears the bytes read so far every 10,000 rows.
    public static func parse(_ data: Data, _ mapping: Mapping, id: String, progress: ((Int) -> Void)? = nil)
        throws(PartnerStatement.Invalid) -> PartnerStatement {
        guard data.count <= maxBytes else { throw PartnerStatement.Invalid("a file larger than 512 MiB") }
        if let offset = XMLInput.firstInvalidUTF8(in: data) { throw PartnerStatement.Invalid("not UTF-8 text at byte \(offset)") }
        var rows = Rows(data: data, delimiter: mapping.delimiter)
        guard let header = try rows.next() else { throw PartnerStatement.Invalid("an empty file: no header row") }
        let columns = Columns(header: header)
        func column(_ name: String?, _ role: String) throws(PartnerStatement.Invalid) -> Int? {
            guard let name else { return nil }
            guard let index = columns.index[name.trimmingCharacters(in: .whitespaces).uppercased()] else {
                throw PartnerStatement.Invalid("no column \"\(name)\" for the \(role) (the header has: \(header.joined(separator: ", ")))")
            }
            return index
        }
        let amount = try column(mapping.amount, "amount")!
        var currencyColumn: Int?
        var fixedCurrency: String?
        switch mapping.currency {
        case .column(let name): currencyColumn = try column(name, "currency")
        case .fixed(let code):
            guard (try? RemitDomain.Currency(code)) != nil else { throw PartnerStatement.Invalid("unknown currency \"\(code)\"") }
            fixedCurrency = code
        }
        let endToEnd = try column(mapping.endToEndId, "end-to-end id")
        let reference = try column(mapping.reference, "reference")
        let date = try column(mapping.date, "date")
        let direction = try column(mapping.direction, "direction")
        let status = try column(mapping.status, "status")
        let reason = try column(mapping.returnReason, "return reason")

        var lines: [PartnerStatement.Line] = []
        var number = 0
        while let row = try rows.next() {
            if row.count == 1 && row[0].isEmpty { continue }  // a blank line
            number += 1
            if number % 10_000 == 0 { progress?(rows.offset) }
            guard number <= PartnerStatement.maxLines else {
                throw PartnerStatement.Invalid("more than \(PartnerStatement.maxLines) lines")
            }
            let place = "row \(rows.row)"
            func field(_ index: Int?) -> String? {
                guard let index, index < row.count else { return nil }
                let value = trimmed(row[index])
                return value.isEmpty ? nil : value
            }
            guard var text = field(amount) else { throw PartnerStatement.Invalid("\(place): no amount") }
            let currency = fixedCurrency ?? field(currencyColumn) ?? ""
            var debit = false
            if text.hasPrefix("-") {
                debit = true
                text.removeFirst()
            } else if text.hasPrefix("+") {
                text.removeFirst()
            }
            text.removeAll { $0 == " " }
            if let direction {
                let value = field(direction)?.uppercased() ?? ""
                if mapping.debitValues.contains(value) {
                    debit = true
                } else if mapping.creditValues.contains(value) {
                    debit = false
                } else {
                    throw PartnerStatement.Invalid("\(place): direction \"\(value.prefix(20))\" is neither a debit nor a credit")
                }
            }
            let minor = try PartnerStatement.minorUnits(text, currency, at: place)
            var state = PartnerStatement.Status.booked
            if let value = field(status)?.uppercased() {
                if mapping.pendingValues.contains(value) { state = .pending }
                if mapping.reversalValues.contains(value) { state = .reversal }
            }
            var day: String?
            if let value = field(date) {
                guard let parsed = isoDate(value, mapping.dateFormat) else {
                    throw PartnerStatement.Invalid("\(place): date \"\(value.prefix(30))\" is not \(mapping.dateFormat.rawValue)")
                }
                day = parsed
            }
            lines.append(PartnerStatement.Line(
                number: number, endToEndId: field(endToEnd).map { String($0.prefix(140)) },
                reference: field(reference).map { String($0.prefix(140)) }, amount: minor, currency: currency,
                direction: debit ? .debit : .credit, status: state, date: day,
                returnReason: field(reason).map { String($0.prefix(140)) }))
        }
        return PartnerStatement(id: id, currency: fixedCurrency, lines: lines)
    }

    /// `text` without the spaces around it. Most fields have none, and Foundation's trimming
    /// goes through UTF-16: only a field that starts or ends with a space or a non-ASCII byte
    /// (which may be a Unicode space) is handed to it.
    static func trimmed(_ text: String) -> String {
        guard let first = text.utf8.first, let last = text.utf8.last else { return text }
        func plain(_ byte: UInt8) -> Bool { byte > 0x20 && byte < 0x80 }
        return plain(first) && plain(last) ? text : text.trimmingCharacters(in: .whitespaces)
    }

    /// `YYYY-MM-DD` from `text` in `format`, checked to be a real date.
    static func isoDate(_ text: String, _ format: Mapping.DateFormat) -> String? {
        let bytes = Array(text.utf8.prefix(10))
        guard bytes.count == 10 else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            guard bytes[range].allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
            return bytes[range].reduce(0) { $0 * 10 + Int($1 - 48) }
        }
        let (year, month, day): (Int?, Int?, Int?)
        let separators: (Int, Int, UInt8)
        switch format {
        case .iso: (year, month, day, separators) = (number(0..<4), number(5..<7), number(8..<10), (4, 7, UInt8(ascii: "-")))
        case .dayMonthYear: (year, month, day, separators) = (number(6..<10), number(3..<5), number(0..<2), (2, 5, UInt8(ascii: "/")))
        case .monthDayYear: (year, month, day, separators) = (number(6..<10), number(0..<2), number(3..<5), (2, 5, UInt8(ascii: "/")))
        case .dotted: (year, month, day, separators) = (number(6..<10), number(3..<5), number(0..<2), (2, 5, UInt8(ascii: ".")))
        }
        guard bytes[separators.0] == separators.2, bytes[separators.1] == separators.2,
              let year, let month, let day, (1000...9999).contains(year), (1...12).contains(month) else { return nil }
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
        guard (1...days).contains(day) else { return nil }
        // By hand: String(format:) costs more than the rest of a row's reading.
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : String(value) }
        return "\(year)-\(two(month))-\(two(day))"
    }

    /// Header names, upper-cased and trimmed, to their column.
    private struct Columns {
        var index: [String: Int] = [:]
        init(header: [String]) {
            for (position, name) in header.enumerated() {
                let key = name.trimmingCharacters(in: .whitespaces).uppercased()
                if index[key] == nil { index[key] = position }
            }
        }
    }

    /// RFC 4180 rows, one at a time; a byte order mark at the start is skipped.
    struct Rows {
        let data: Data
        let delimiter: UInt8
        var offset: Int
        /// The row just read, 1-based (the header is row 1).
        var row = 0

        init(data: Data, delimiter: UInt8) {
            self.data = data
            self.delimiter = delimiter
            offset = data.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        }

        mutating func next() throws(PartnerStatement.Invalid) -> [String]? {
            guard offset < data.count else { return nil }
            row += 1
            let quote = UInt8(ascii: "\""), cr = UInt8(ascii: "\r"), lf = UInt8(ascii: "\n")
            let start = offset
            var fields: [String] = []
            var field: [UInt8] = []
            var quoted = false
            var index = offset
            let end = data.count
            let result: Result<Void, PartnerStatement.Invalid> = data.withUnsafeBytes { raw in
                while index < end {
                    guard index - start <= CSVStatement.maxRowBytes else {
                        return .failure(PartnerStatement.Invalid("row \(row): longer than \(CSVStatement.maxRowBytes) bytes"))
                    }
                    let byte = raw[index]
                    if quoted {
                        if byte == quote {
                            if index + 1 < end, raw[index + 1] == quote {
                                field.append(quote)
                                index += 2
                                continue
                            }
                            quoted = false
                        } else {
                            field.append(byte)
                        }
                        index += 1
                        continue
                    }
                    switch byte {
                    case quote where field.isEmpty:
                        quoted = true
                    case delimiter:
                        fields.append(String(decoding: field, as: UTF8.self))
                        field.removeAll(keepingCapacity: true)
                        guard fields.count < CSVStatement.maxColumns else {
                            return .failure(PartnerStatement.Invalid("row \(row): more than \(CSVStatement.maxColumns) columns"))
                        }
                    case lf:
                        index += 1
                        return .success(())
                    case cr where index + 1 < end && raw[index + 1] == lf:
                        index += 2
                        return .success(())
                    default:
                        field.append(byte)
                    }
                    index += 1
                }
                return quoted ? .failure(PartnerStatement.Invalid("row \(row): a quoted field is never closed")) : .success(())
            }
            offset = index
            if case .failure(let problem) = result { throw problem }
            fields.append(String(decoding: field, as: UTF8.self))
            return fields
        }
    }
}
