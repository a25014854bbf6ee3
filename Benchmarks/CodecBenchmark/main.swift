import Foundation
import NIOCore
import RemitProtocol

// Codec micro-benchmark: encode and decode of a SubmitTransfers frame holding the typical
// remittance of PROTOCOL.md section 12, at batch sizes 1, 100 and 8,189, a full ProjectStatement
// (version 3), plus CRC-32C speed.
// Reports the best of several rounds, in ns per transfer. Run in release (see BENCHMARKS.md).

func nowNanoseconds() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

let usd = CurrencyCode("USD")!, kes = CurrencyCode("KES")!, us = CountryCode("US")!, ke = CountryCode("KE")!
func transfer(_ index: Int) -> Transfer {
    Transfer(transferId: ID128(high: 0x0191_F3C2_7A10_7C4E, low: UInt64(index)), amount: 10_000,
             senderPhone: 12_025_550_143, beneficiaryPhone: 254_712_345_678, sendCurrency: usd, payoutCurrency: kes,
             sendCountry: us, payoutCountry: ke, operatorReference: "ACME-000123", senderName: "Maria Otieno",
             senderAccount: "ACME-C-88231", beneficiaryName: "Grace Wanjiru",
             legs: [Leg(product: .mobileWallet, share: 10_000, institution: "SAFCOM", account: "254712345678")])
}

/// Best time per item over `rounds` rounds of `repeats` runs of `body`.
func measure(items: Int, repeats: Int, rounds: Int = 7, _ body: () throws -> Void) rethrows -> Double {
    var best = UInt64.max
    for _ in 0..<rounds {
        let start = nowNanoseconds()
        for _ in 0..<repeats { try body() }
        best = min(best, nowNanoseconds() - start)
    }
    return Double(best) / Double(repeats * items)
}

print("batch  frame_bytes  encode_ns/transfer  decode_ns/transfer")
for batch in [1, 100, 8_189] {
    let frame = Frame(requestId: 7, message: .submitTransfers(SubmitTransfers(transfers: (0..<batch).map(transfer))))
    var encoded = ByteBuffer()
    try frame.encode(into: &encoded)
    let repeats = max(1, 200_000 / batch)
    var scratch = ByteBuffer()
    scratch.reserveCapacity(encoded.readableBytes)
    let encodeNs = try measure(items: batch, repeats: repeats) {
        scratch.clear()
        try frame.encode(into: &scratch)
    }
    let decodeNs = try measure(items: batch, repeats: repeats) {
        var input = encoded
        guard let decoded = try Frame.decode(from: &input), decoded.requestId == 7 else { fatalError("decode") }
    }
    print(String(format: "%5d  %11d  %18.0f  %18.0f", batch, encoded.readableBytes, encodeNs, decodeNs))
}

// Version 3: a full ProjectStatement, 256 receipts each matched by three sponsors (3x1), the
// receipts another operator's (no transfer id, no name) or the asker's own (both).
let contribution: Int64 = 1_281_555
let sponsorIds = ["MUNICIPIO", "ESTADO", "FEDERACION"]
let sponsors = sponsorIds.map { id -> ProjectStatement.Sponsor in
    ProjectStatement.Sponsor(ratioPpm: 1_000_000, projectCap: 100_000_000, contributorCap: 5_000_000,
                             matched: 256 * contribution, sponsorId: id, name: "Gobierno " + id.lowercased())
}
let receipts = (1...256).map { number -> Receipt in
    let own = number % 2 == 0
    let matches = sponsorIds.map { Receipt.Match(amount: contribution, sponsorId: $0) }
    return Receipt(number: UInt64(number), transferId: own ? ID128(high: 0x0191_F3C2_7A10_7C4E, low: UInt64(number)) : nil,
                   amount: contribution, receivedAt: 1_795_435_200_000 + Int64(number), legIndex: 0, state: .held,
                   sendCountry: us, contributorName: own ? "Maria Otieno" : "", matches: matches)
}
let statement = ProjectStatement(
    target: 50_000_000, contributed: 256 * contribution, matched: 3 * 256 * contribution, escrow: 4 * 256 * contribution,
    disbursed: 0, deadline: 1_830_297_599_000, contributions: 256, currency: kes, country: ke, state: .open,
    refundPolicy: .full, projectId: "KISUMU-CLINIC", associationId: "KISUMU-HTA",
    associationName: "Kisumu Hometown Association", title: "Community clinic, Kisumu", institution: "KMFI",
    account: "CLINIC-0042",
    sponsors: sponsors,
    milestones: [.init(amount: 30_000_000, description: "Foundations and walls"),
                 .init(amount: 20_000_000, description: "Roof, water and solar power")],
    receipts: receipts)
let statementFrame = Frame(version: 3, requestId: 9, message: .projectStatement(statement))
var statementBytes = ByteBuffer()
try statementFrame.encode(into: &statementBytes)
var statementScratch = ByteBuffer()
let statementEncodeNs = try measure(items: 256, repeats: 500) {
    statementScratch.clear()
    try statementFrame.encode(into: &statementScratch)
}
let statementDecodeNs = try measure(items: 256, repeats: 500) {
    var input = statementBytes
    guard let decoded = try Frame.decode(from: &input), decoded.requestId == 9 else { fatalError("decode") }
}
print(String(format: "project statement, 256 receipts: %d bytes, encode %.0f ns/receipt, decode %.0f ns/receipt",
             statementBytes.readableBytes, statementEncodeNs, statementDecodeNs))

let megabyte = [UInt8](repeating: 0xA5, count: 1 << 20)
let crcNs = megabyte.withUnsafeBytes { bytes in
    measure(items: 1 << 20, repeats: 20) { _ = CRC32C.checksum(bytes) }
}
print(String(format: "crc32c: %.2f ns/byte (%.0f MB/s)", crcNs, 1_000 / crcNs))
