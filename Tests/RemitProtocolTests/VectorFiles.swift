import Foundation
import NIOCore
import RemitProtocol

/// The JSON shapes of `Protocol/vectors/` (PROTOCOL.md section 14).
struct ValidVector: Codable, Equatable {
    var description: String
    var hex: String
    var frame: Frame
}

struct InvalidVector: Codable, Equatable {
    struct Expected: Codable, Equatable {
        var code: UInt16
        var name: String
        var fieldId: UInt16
        var fieldName: String
        var closesConnection: Bool
    }

    var description: String
    var hex: String
    var error: Expected
}

struct CRCVector: Codable, Equatable {
    var ascii: String?
    var hex: String
    var crc32c: String
}

enum VectorFiles {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let directory = root.appendingPathComponent("Protocol/vectors")

    static func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    static func bytes(_ hex: String) -> [UInt8] {
        let digits = Array(hex.utf8.filter { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\n") })
        precondition(digits.count % 2 == 0)
        return stride(from: 0, to: digits.count, by: 2).map { UInt8(String(decoding: digits[$0..<$0 + 2], as: UTF8.self), radix: 16)! }
    }

    static func json<T: Encodable>(_ value: T) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var data = try encoder.encode(value)
        data.append(UInt8(ascii: "\n"))
        return data
    }

    /// Every vector file as the samples define it, keyed by its path under `vectors/`.
    static func expected() throws -> [String: Data] {
        var files = [String: Data]()
        for sample in Samples.valid {
            let vector = ValidVector(description: sample.description, hex: hex(Samples.encoded(sample.frame)),
                                     frame: sample.frame)
            files["valid/\(sample.name).json"] = try json(vector)
        }
        for sample in InvalidSamples.invalid {
            let vector = InvalidVector(
                description: sample.description, hex: hex(sample.bytes),
                error: .init(code: sample.code.rawValue, name: sample.code.name, fieldId: sample.field.rawValue,
                             fieldName: sample.field.name, closesConnection: sample.closesConnection))
            files["invalid/\(sample.name).json"] = try json(vector)
        }
        let crcInputs: [[UInt8]] = [[], Array("123456789".utf8), [UInt8](repeating: 0, count: 32),
                                    [UInt8](repeating: 0xFF, count: 32), Array(0..<32)]
        let crcs = crcInputs.map { input in
            CRCVector(ascii: input.allSatisfy { $0 >= 0x20 && $0 < 0x7F } && !input.isEmpty
                          ? String(decoding: input, as: UTF8.self) : nil,
                      hex: hex(input), crc32c: String(format: "%08x", CRC32C.checksum(input)))
        }
        files["crc32c.json"] = try json(crcs)
        return files
    }

    static func onDisk(_ subdirectory: String) throws -> [URL] {
        try FileManager.default.contentsOfDirectory(
            at: directory.appendingPathComponent(subdirectory), includingPropertiesForKeys: nil
        ).filter { $0.pathExtension == "json" }.sorted { $0.path < $1.path }
    }
}
