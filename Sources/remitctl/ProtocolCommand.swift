import ArgumentParser
import Foundation
import NIOCore
import RemitProtocol

/// Converts frames between their bytes and their JSON meaning (PROTOCOL.md section 14), so an
/// integration engineer can check what their own client sends or reads.
struct ProtocolCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "protocol",
        abstract: "Decode and encode Remit protocol frames.",
        discussion: """
            Exit codes: 0 decoded or encoded; 1 the input breaks the protocol (the error's code and \
            field are printed, as a gateway would report them); 64 bad usage or unreadable input.
            """,
        subcommands: [Decode.self, Encode.self])

    struct Decode: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Decode one or more frames given as hex; print each as JSON.",
            discussion: "Example: remitctl protocol decode \"$(jq -r .hex Protocol/vectors/valid/hello.json)\"")

        @Argument(help: "The frames as hex (spaces and newlines are ignored); '-' or nothing reads standard input.")
        var hex: String = "-"

        func run() throws {
            let text = hex == "-" ? String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self) : hex
            guard let bytes = Hex.bytes(text) else {
                throw ValidationError("not hex: an even number of hex digits is expected")
            }
            var buffer = ByteBuffer(bytes: bytes)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            while buffer.readableBytes > 0 {
                do {
                    guard let frame = try Frame.decode(from: &buffer) else {
                        throw ProtocolFailure(
                            "incomplete frame: \(buffer.readableBytes) bytes left, the header announces more")
                    }
                    print(String(decoding: try encoder.encode(frame), as: UTF8.self))
                } catch let error as ProtocolError {
                    throw ProtocolFailure(error)
                }
            }
        }
    }

    struct Encode: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Encode a frame given as JSON ({\"type\", \"requestId\", \"message\"}); print its hex.",
            discussion: "Example: jq .frame Protocol/vectors/valid/hello.json | remitctl protocol encode")

        @Argument(help: "A file holding the JSON frame, or '-' for standard input.")
        var file: String = "-"

        func run() throws {
            let data = file == "-" ? FileHandle.standardInput.readDataToEndOfFile()
                : try Data(contentsOf: URL(fileURLWithPath: file))
            let frame: Frame
            do {
                frame = try JSONDecoder().decode(Frame.self, from: data)
            } catch {
                throw ValidationError("not a frame in JSON: \(error)")
            }
            var buffer = ByteBuffer()
            do {
                try frame.encode(into: &buffer)
            } catch {
                throw ProtocolFailure(error)
            }
            print(Hex.string(Array(buffer.readableBytesView)))
        }
    }
}

/// The input breaks the protocol: printed, exit code 1.
struct ProtocolFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }

    /// As a gateway would report it: code, field id and name, detail, and whether it closes.
    init(_ error: ProtocolError) {
        description = "\(error.code) field \(error.field.rawValue) (\(error.field.name)): \(error.detail)"
            + (error.closesConnection ? " [frame error: the connection closes]" : "")
    }
}

enum Hex {
    static func bytes(_ text: String) -> [UInt8]? {
        let digits = text.unicodeScalars.filter { !CharacterSet.whitespacesAndNewlines.contains($0) }
        guard digits.count % 2 == 0 else { return nil }
        var out = [UInt8]()
        out.reserveCapacity(digits.count / 2)
        var iterator = digits.makeIterator()
        while let high = iterator.next(), let low = iterator.next() {
            guard let byte = UInt8(String([Character(high), Character(low)]), radix: 16) else { return nil }
            out.append(byte)
        }
        return out
    }

    static func string(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        return String(decoding: bytes.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 0xF)]] }, as: UTF8.self)
    }
}
