/// A TOML document as remitd's configuration uses it: tables, arrays of tables, and key/value
/// pairs whose values are strings, integers, booleans or arrays of those.
///
/// The parser takes the subset of TOML 1.0 that the configuration needs (including one level of
/// `[[parent.child]]` arrays of tables inside the last `[[parent]]`) and refuses the rest
/// with an error naming the line (floats, dates, inline tables, dotted keys), rather than
/// guessing: money and rates are written as strings ("129.45") so that no binary fraction ever
/// stands for an amount. Every limit is explicit: 1 MiB of text, 4,096 lines of values, strings of
/// 4,096 bytes, 1,024 entries per array.
///
/// ```swift
/// let document = try TOMLDocument(parsing: "[server]\nlisten = \"127.0.0.1:7443\"\n")
/// document.root["server"]   // .table(["listen": .string("127.0.0.1:7443")])
/// ```
public struct TOMLDocument: Sendable {
    public indirect enum Value: Hashable, Sendable {
        case string(String)
        case integer(Int64)
        case boolean(Bool)
        case array([Value])
        case table([String: Value])
        /// `[[name]]` sections: one table per section, in order.
        case tables([[String: Value]])
    }

    public static let maxBytes = 1 << 20
    public static let maxStringBytes = 4_096
    public static let maxArrayEntries = 1_024

    public private(set) var root: [String: Value] = [:]
    /// The line each key was defined on, by its path ("server.listen", "operator[1].id").
    public private(set) var lines: [String: Int] = [:]

    public init(parsing text: String) throws(TOMLError) {
        guard text.utf8.count <= Self.maxBytes else { throw TOMLError(line: 0, "the file is larger than 1 MiB") }
        var parser = Parser(bytes: Array(text.utf8))
        try parser.parse()
        root = parser.root
        lines = parser.lines
    }
}

public struct TOMLError: Error, Hashable, Sendable, CustomStringConvertible {
    public var line: Int
    public var problem: String

    init(line: Int, _ problem: String) {
        self.line = line
        self.problem = problem
    }

    public var description: String { line > 0 ? "line \(line): \(problem)" : problem }
}

private struct Parser {
    typealias Value = TOMLDocument.Value
    let bytes: [UInt8]
    var index = 0
    var line = 1
    var root: [String: Value] = [:]
    var lines: [String: Int] = [:]
    /// Where keys go now: nil for the root, or a table name, or an array-of-tables name, with the
    /// array of tables it is nested in (`[[corridor.fee_tier]]`: parent "corridor").
    var section: (name: String, isArray: Bool, parent: String?)?
    var current: [String: Value] = [:]
    var definedTables: Set<String> = []

    init(bytes: [UInt8]) { self.bytes = bytes }

    mutating func parse() throws(TOMLError) {
        while true {
            skipWhitespaceAndComments(newlines: true)
            guard index < bytes.count else { break }
            if bytes[index] == UInt8(ascii: "[") {
                try closeSection()
                try header()
            } else {
                try keyValue()
            }
        }
        try closeSection()
    }

    // MARK: sections

    mutating func header() throws(TOMLError) {
        index += 1
        let isArray = peek() == UInt8(ascii: "[")
        if isArray { index += 1 }
        skipSpaces()
        var name = try bareKey()
        var parent: String? = nil
        if isArray, peek() == UInt8(ascii: ".") {
            index += 1
            parent = name
            name = try bareKey()
        }
        skipSpaces()
        guard peek() == UInt8(ascii: "]") else { throw error("expected ] after the table name \(name)") }
        index += 1
        if isArray {
            guard peek() == UInt8(ascii: "]") else { throw error("expected ]] after the table name \(name)") }
            index += 1
        }
        try endOfLine()
        if let parent {
            guard case .tables(let list) = root[parent], let last = list.last else {
                throw error("[[\(parent).\(name)]] must follow a [[\(parent)]] section")
            }
            if let existing = last[name], case .tables = existing {} else if last[name] != nil {
                throw error("\(parent).\(name) is a key, not an array of tables")
            }
        } else if isArray {
            if case .table = root[name] { throw error("\(name) is a table, not an array of tables") }
        } else {
            guard !definedTables.contains(name), root[name] == nil else { throw error("the table [\(name)] is defined twice") }
            definedTables.insert(name)
        }
        section = (name, isArray, parent)
        current = [:]
    }

    mutating func closeSection() throws(TOMLError) {
        guard let section else {
            for (key, value) in current { root[key] = value }
            current = [:]
            return
        }
        if let parent = section.parent {
            guard case .tables(var parents) = root[parent], var last = parents.popLast() else { return }
            var list: [[String: Value]] = []
            if case .tables(let existing) = last[section.name] { list = existing }
            guard list.count < TOMLDocument.maxArrayEntries else {
                throw error("more than 1,024 [[\(parent).\(section.name)]] sections")
            }
            list.append(current)
            last[section.name] = .tables(list)
            parents.append(last)
            root[parent] = .tables(parents)
        } else if section.isArray {
            var list: [[String: Value]] = []
            if case .tables(let existing) = root[section.name] { list = existing }
            guard list.count < TOMLDocument.maxArrayEntries else { throw error("more than 1,024 [[\(section.name)]] sections") }
            list.append(current)
            root[section.name] = .tables(list)
        } else {
            root[section.name] = .table(current)
        }
        self.section = nil
        current = [:]
    }

    var pathPrefix: String {
        guard let section else { return "" }
        if let parent = section.parent, case .tables(let parents) = root[parent], let last = parents.last {
            var count = 0
            if case .tables(let existing) = last[section.name] { count = existing.count }
            return "\(parent)[\(parents.count - 1)].\(section.name)[\(count)]."
        }
        if section.isArray {
            var count = 0
            if case .tables(let existing) = root[section.name] { count = existing.count }
            return "\(section.name)[\(count)]."
        }
        return section.name + "."
    }

    // MARK: key = value

    mutating func keyValue() throws(TOMLError) {
        let key = try bareKey()
        skipSpaces()
        guard peek() == UInt8(ascii: "=") else {
            if peek() == UInt8(ascii: ".") { throw error("dotted keys are not supported: use a [table]") }
            throw error("expected = after the key \(key)")
        }
        index += 1
        skipSpaces()
        let startLine = line
        let value = try value()
        try endOfLine()
        guard current[key] == nil else { throw TOMLError(line: startLine, "the key \(key) is defined twice") }
        current[key] = value
        lines[pathPrefix + key] = startLine
    }

    mutating func bareKey() throws(TOMLError) -> String {
        let start = index
        while let byte = peek(), isBareKeyByte(byte) { index += 1 }
        guard index > start else {
            if peek() == UInt8(ascii: "\"") || peek() == UInt8(ascii: "'") { throw error("quoted keys are not supported") }
            throw error("expected a key (letters, digits, _ and -)")
        }
        guard index - start <= 64 else { throw error("a key longer than 64 characters") }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    func isBareKeyByte(_ byte: UInt8) -> Bool {
        (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x30 && byte <= 0x39)
            || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
    }

    mutating func value(depth: Int = 0) throws(TOMLError) -> Value {
        guard let byte = peek() else { throw error("expected a value") }
        switch byte {
        case UInt8(ascii: "\""):
            if bytes[index...].starts(with: "\"\"\"".utf8) { throw error("multi-line strings are not supported") }
            return .string(try basicString())
        case UInt8(ascii: "'"):
            if bytes[index...].starts(with: "'''".utf8) { throw error("multi-line strings are not supported") }
            return .string(try literalString())
        case UInt8(ascii: "["):
            guard depth == 0 else { throw error("nested arrays are not supported") }
            return try array()
        case UInt8(ascii: "{"):
            throw error("inline tables are not supported: use a [table]")
        case UInt8(ascii: "t"), UInt8(ascii: "f"):
            if bytes[index...].starts(with: "true".utf8) {
                index += 4
                return .boolean(true)
            }
            if bytes[index...].starts(with: "false".utf8) {
                index += 5
                return .boolean(false)
            }
            throw error("expected a value; strings need quotes")
        default:
            return .integer(try integer())
        }
    }

    mutating func integer() throws(TOMLError) -> Int64 {
        let start = index
        while let byte = peek(), byte != UInt8(ascii: " "), byte != UInt8(ascii: "\t"), byte != UInt8(ascii: "\n"),
              byte != UInt8(ascii: "\r"), byte != UInt8(ascii: "#"), byte != UInt8(ascii: ","), byte != UInt8(ascii: "]") {
            index += 1
        }
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        let numeric = text.first.map { $0.isNumber || $0 == "+" || $0 == "-" } ?? false
        if numeric && (text.contains(".") || text.contains("e") || text.contains("E") || text.hasSuffix("inf")
            || text.hasSuffix("nan")) || text == "inf" || text == "nan" {
            throw error("\(text): floating-point numbers are not accepted; write amounts and rates as strings (\"129.45\")")
        }
        var digits = Substring(text)
        var negative = false
        if digits.first == "+" || digits.first == "-" {
            negative = digits.first == "-"
            digits = digits.dropFirst()
        }
        guard !digits.isEmpty, digits.first != "_", digits.last != "_", !digits.contains("__"),
              digits.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "_") })
        else { throw error(text.isEmpty ? "expected a value" : "\(text) is not an integer; strings need quotes") }
        let plain = digits.filter { $0 != "_" }
        guard plain == "0" || plain.first != "0" else { throw error("\(text): leading zeros are not allowed") }
        guard let magnitude = Int64(plain) else { throw error("\(text) is out of range") }
        return negative ? -magnitude : magnitude
    }

    mutating func array() throws(TOMLError) -> Value {
        index += 1
        var values: [Value] = []
        while true {
            skipWhitespaceAndComments(newlines: true)
            guard let byte = peek() else { throw error("the array is not closed with ]") }
            if byte == UInt8(ascii: "]") {
                index += 1
                return .array(values)
            }
            guard values.count < TOMLDocument.maxArrayEntries else { throw error("an array with more than 1,024 entries") }
            values.append(try value(depth: 1))
            skipWhitespaceAndComments(newlines: true)
            guard peek() != nil else { throw error("the array is not closed with ]") }
            if peek() == UInt8(ascii: ",") {
                index += 1
            } else if peek() != UInt8(ascii: "]") {
                throw error("expected , or ] in the array")
            }
        }
    }

    mutating func basicString() throws(TOMLError) -> String {
        index += 1
        var out: [UInt8] = []
        while true {
            guard let byte = peek(), byte != UInt8(ascii: "\n") else { throw error("the string is not closed with \"") }
            index += 1
            if byte == UInt8(ascii: "\"") { break }
            if byte == UInt8(ascii: "\\") {
                guard let escape = peek() else { throw error("the string is not closed with \"") }
                index += 1
                switch escape {
                case UInt8(ascii: "\""): out.append(UInt8(ascii: "\""))
                case UInt8(ascii: "\\"): out.append(UInt8(ascii: "\\"))
                case UInt8(ascii: "n"): out.append(UInt8(ascii: "\n"))
                case UInt8(ascii: "t"): out.append(UInt8(ascii: "\t"))
                case UInt8(ascii: "u"):
                    guard index + 4 <= bytes.count,
                          let scalarValue = UInt32(String(decoding: bytes[index..<index + 4], as: UTF8.self), radix: 16),
                          let scalar = Unicode.Scalar(scalarValue)
                    else { throw error("\\u needs four hexadecimal digits of a Unicode scalar") }
                    index += 4
                    out.append(contentsOf: Array(String(Character(scalar)).utf8))
                default: throw error("unknown escape \\\(Character(Unicode.Scalar(escape)))")
                }
            } else if byte < 0x20 && byte != UInt8(ascii: "\t") || byte == 0x7F {
                throw error("a control character in a string")
            } else {
                out.append(byte)
            }
            guard out.count <= TOMLDocument.maxStringBytes else { throw error("a string longer than 4,096 bytes") }
        }
        guard let text = String(validating: out, as: UTF8.self) else { throw error("a string that is not UTF-8") }
        return text
    }

    mutating func literalString() throws(TOMLError) -> String {
        index += 1
        let start = index
        while true {
            guard let byte = peek(), byte != UInt8(ascii: "\n") else { throw error("the string is not closed with '") }
            if byte == UInt8(ascii: "'") { break }
            if byte < 0x20 && byte != UInt8(ascii: "\t") || byte == 0x7F { throw error("a control character in a string") }
            index += 1
        }
        let raw = Array(bytes[start..<index])
        index += 1
        guard raw.count <= TOMLDocument.maxStringBytes else { throw error("a string longer than 4,096 bytes") }
        guard let text = String(validating: raw, as: UTF8.self) else { throw error("a string that is not UTF-8") }
        return text
    }

    // MARK: whitespace

    func peek() -> UInt8? { index < bytes.count ? bytes[index] : nil }

    mutating func skipSpaces() {
        while let byte = peek(), byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") { index += 1 }
    }

    mutating func skipWhitespaceAndComments(newlines: Bool) {
        while let byte = peek() {
            if byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\r") {
                index += 1
            } else if byte == UInt8(ascii: "\n") && newlines {
                index += 1
                line += 1
            } else if byte == UInt8(ascii: "#") {
                while let b = peek(), b != UInt8(ascii: "\n") { index += 1 }
            } else {
                break
            }
        }
    }

    mutating func endOfLine() throws(TOMLError) {
        skipWhitespaceAndComments(newlines: false)
        guard let byte = peek() else { return }
        guard byte == UInt8(ascii: "\n") else { throw error("unexpected text after the value") }
    }

    func error(_ problem: String) -> TOMLError { TOMLError(line: line, problem) }
}
