/// A configuration that cannot be used, naming the file, the key and the problem:
/// `remitd.toml: server.idle_timeout_ms: must be between 1000 and 3600000, not 0`.
public struct ConfigurationError: Error, Hashable, Sendable, CustomStringConvertible {
    public var file: String
    /// The key's path ("server.listen", "operator[1].currency"), or empty for the whole file.
    public var key: String
    public var line: Int?
    public var problem: String

    public init(file: String, key: String, line: Int? = nil, problem: String) {
        self.file = file
        self.key = key
        self.line = line
        self.problem = problem
    }

    public var description: String {
        let place = line.map { "\(file):\($0)" } ?? file
        return key.isEmpty ? "\(place): \(problem)" : "\(place): \(key): \(problem)"
    }
}
