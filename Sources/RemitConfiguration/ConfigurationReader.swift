import RemitDomain
import RemitFormats

/// Reads one table of a TOML document into typed values, recording which keys it used, so that
/// a misspelt or unknown key is an error instead of a setting silently ignored.
struct ConfigurationReader {
    let file: String
    let path: String
    let table: [String: TOMLDocument.Value]
    let lines: [String: Int]
    private(set) var used: Set<String> = []

    init(file: String, path: String, table: [String: TOMLDocument.Value], lines: [String: Int]) {
        self.file = file
        self.path = path
        self.table = table
        self.lines = lines
    }

    func keyPath(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    func fail(_ key: String, _ problem: String) -> ConfigurationError {
        ConfigurationError(file: file, key: keyPath(key), line: lines[keyPath(key)], problem: problem)
    }

    mutating func string(_ key: String) throws(ConfigurationError) -> String? {
        used.insert(key)
        guard let value = table[key] else { return nil }
        guard case .string(let text) = value else { throw fail(key, "must be a string in quotes") }
        return text
    }

    mutating func string(_ key: String, default fallback: String) throws(ConfigurationError) -> String {
        try string(key) ?? fallback
    }

    mutating func requiredString(_ key: String) throws(ConfigurationError) -> String {
        guard let text = try string(key) else { throw fail(key, "is required") }
        guard !text.isEmpty else { throw fail(key, "must not be empty") }
        return text
    }

    mutating func integer(_ key: String, default fallback: Int64, in range: ClosedRange<Int64>) throws(ConfigurationError)
        -> Int64
    {
        used.insert(key)
        guard let value = table[key] else { return fallback }
        guard case .integer(let number) = value else { throw fail(key, "must be an integer") }
        guard range.contains(number) else {
            throw fail(key, "must be between \(range.lowerBound) and \(range.upperBound), not \(number)")
        }
        return number
    }

    /// `[[path.key]]` sections nested in this table, each read on its own.
    mutating func tables(_ key: String) throws(ConfigurationError) -> [ConfigurationReader] {
        used.insert(key)
        switch table[key] {
        case nil: return []
        case .tables(let list):
            return list.enumerated().map {
                ConfigurationReader(file: file, path: "\(keyPath(key))[\($0.offset)]", table: $0.element, lines: lines)
            }
        default: throw fail(key, "must be [[\(keyPath(key).split(separator: "[")[0]).\(key)]] sections")
        }
    }

    mutating func boolean(_ key: String, default fallback: Bool) throws(ConfigurationError) -> Bool {
        used.insert(key)
        guard let value = table[key] else { return fallback }
        guard case .boolean(let flag) = value else { throw fail(key, "must be true or false") }
        return flag
    }

    mutating func strings(_ key: String) throws(ConfigurationError) -> [String]? {
        used.insert(key)
        guard let value = table[key] else { return nil }
        guard case .array(let values) = value else { throw fail(key, "must be an array of strings") }
        var out: [String] = []
        for value in values {
            guard case .string(let text) = value else { throw fail(key, "must be an array of strings") }
            out.append(text)
        }
        return out
    }

    mutating func currency(_ key: String) throws(ConfigurationError) -> Currency {
        let code = try requiredString(key)
        do { return try Currency(code) } catch { throw fail(key, "\"\(code)\" is not an ISO 4217 currency code") }
    }

    mutating func country(_ key: String) throws(ConfigurationError) -> String {
        let code = try requiredString(key)
        guard Countries.isKnown(code) else { throw fail(key, "\"\(code)\" is not an ISO 3166-1 alpha-2 country code") }
        return code
    }

    /// An amount written as a decimal string in the currency's major units ("5000.00").
    mutating func amount(_ key: String, _ currency: Currency, default fallback: Int64? = nil) throws(ConfigurationError)
        -> Int64
    {
        guard let text = try string(key) else {
            if let fallback { return fallback }
            throw fail(key, "is required")
        }
        guard let minor = Money.parseMinorUnits(text, currency) else {
            throw fail(key, "\"\(text)\" is not an amount in \(currency.code) with at most \(currency.exponent) decimals")
        }
        guard minor >= 0 else { throw fail(key, "must not be negative") }
        return minor
    }

    mutating func optionalInteger(_ key: String, in range: ClosedRange<Int64>) throws(ConfigurationError) -> Int64? {
        guard table[key] != nil else {
            used.insert(key)
            return nil
        }
        return try integer(key, default: 0, in: range)
    }

    mutating func optionalAmount(_ key: String, _ currency: Currency) throws(ConfigurationError) -> Int64? {
        guard table[key] != nil else {
            used.insert(key)
            return nil
        }
        let minor = try amount(key, currency)
        guard minor > 0 else { throw fail(key, "must be above zero") }
        return minor
    }

    /// Every key of the table must have been read.
    func finish() throws(ConfigurationError) {
        for key in table.keys.sorted() where !used.contains(key) {
            throw fail(key, "unknown key")
        }
    }
}
