/// CRC-32C (Castagnoli), the checksum of every frame body (PROTOCOL.md section 3).
///
/// Slicing-by-8 over a 8 KiB table: about 1 byte per cycle, without any platform intrinsic,
/// so the codec stays portable and the check value is the one Java's `CRC32C` gives.
///
/// ```swift
/// CRC32C.checksum("123456789".utf8) // 0xE3069283
/// ```
public enum CRC32C {
    static let table: [UInt32] = {
        var table = [UInt32](repeating: 0, count: 8 * 256)
        for n in 0..<256 {
            var crc = UInt32(n)
            for _ in 0..<8 { crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
            table[n] = crc
        }
        for n in 0..<256 {
            var crc = table[n]
            for k in 1..<8 {
                crc = table[Int(crc & 0xFF)] ^ (crc >> 8)
                table[k * 256 + n] = crc
            }
        }
        return table
    }()

    /// Continues a running CRC (start from 0) over `bytes`.
    public static func update(_ crc: UInt32, _ bytes: UnsafeRawBufferPointer) -> UInt32 {
        var crc = ~crc
        var index = 0
        let count = bytes.count
        table.withUnsafeBufferPointer { t in
            while count - index >= 8 {
                let lo = UInt32(bytes[index]) | UInt32(bytes[index + 1]) << 8
                    | UInt32(bytes[index + 2]) << 16 | UInt32(bytes[index + 3]) << 24
                let hi = UInt32(bytes[index + 4]) | UInt32(bytes[index + 5]) << 8
                    | UInt32(bytes[index + 6]) << 16 | UInt32(bytes[index + 7]) << 24
                let x = lo ^ crc
                crc = t[7 * 256 + Int(x & 0xFF)] ^ t[6 * 256 + Int((x >> 8) & 0xFF)]
                    ^ t[5 * 256 + Int((x >> 16) & 0xFF)] ^ t[4 * 256 + Int(x >> 24)]
                    ^ t[3 * 256 + Int(hi & 0xFF)] ^ t[2 * 256 + Int((hi >> 8) & 0xFF)]
                    ^ t[1 * 256 + Int((hi >> 16) & 0xFF)] ^ t[Int(hi >> 24)]
                index += 8
            }
            while index < count {
                crc = t[Int((crc ^ UInt32(bytes[index])) & 0xFF)] ^ (crc >> 8)
                index += 1
            }
        }
        return ~crc
    }

    public static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 { update(0, bytes) }

    public static func checksum<S: Sequence>(_ bytes: S) -> UInt32 where S.Element == UInt8 {
        Array(bytes).withUnsafeBytes { checksum($0) }
    }
}
