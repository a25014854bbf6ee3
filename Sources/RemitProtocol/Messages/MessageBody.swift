/// One message of PROTOCOL.md section 6: its type, its version-1 block length, and its body
/// encoding both ways. `decodeBody` reads the block through `BodyReader.block(minimum:)`, so
/// bytes a later revision appends to a block are skipped.
protocol MessageBody: Hashable, Sendable, Codable {
    static var type: MessageType { get }
    static var blockLength: Int { get }
    func encodeBody(_ writer: inout BodyWriter, limits: ProtocolLimits) throws(ProtocolError)
    static func decodeBody(_ reader: inout BodyReader, limits: ProtocolLimits) throws(ProtocolError) -> Self
}

extension BodyReader {
    /// Decodes `count` entries of a group, naming the entry in any error (`legs[2].account`).
    mutating func entries<T>(
        _ group: String, entryBlockLength: Int, count: Int, topLevel: Bool,
        _ decode: (inout BodyReader, inout BodyReader) throws(ProtocolError) -> T
    ) throws(ProtocolError) -> [T] {
        var result = [T]()
        result.reserveCapacity(count)
        for index in 0..<count {
            do {
                var block = try fixedBlock(length: entryBlockLength, minimum: 0)
                result.append(try decode(&block, &self))
            } catch {
                throw error.inEntry(group, index, topLevel: topLevel)
            }
        }
        return result
    }
}

extension BodyWriter {
    mutating func entries<T>(
        _ group: String, _ values: [T], topLevel: Bool, _ encode: (inout BodyWriter, T) throws(ProtocolError) -> Void
    ) throws(ProtocolError) {
        for (index, value) in values.enumerated() {
            do {
                try encode(&self, value)
            } catch {
                throw error.inEntry(group, index, topLevel: topLevel)
            }
        }
    }
}
