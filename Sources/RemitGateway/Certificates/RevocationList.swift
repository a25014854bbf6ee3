import Crypto
import Foundation
import SwiftASN1
import X509

/// An X.509 certificate revocation list (RFC 5280 section 5) of the operator CA: the serial
/// numbers of client certificates the gateway must refuse. Loaded from PEM or DER; its issuer
/// must be the CA and its signature must verify with the CA's key (ECDSA P-256 or P-384 with
/// SHA-256 or SHA-384), or it is refused as a whole rather than half-trusted.
///
/// ```swift
/// let crl = try RevocationList(contentsOf: "/etc/remitd/operators.crl", issuer: ca)
/// crl.isRevoked(serial: certificate.serialNumber)
/// ```
public struct RevocationList: Sendable, Hashable {
    public let revoked: Set<[UInt8]>
    /// Milliseconds since the epoch.
    public let thisUpdate: Int64
    public let nextUpdate: Int64?

    public struct Invalid: Error, CustomStringConvertible {
        public let description: String
        init(_ description: String) { self.description = description }
    }

    public func isRevoked(serial: [UInt8]) -> Bool { revoked.contains(Self.canonical(serial)) }

    /// Serial numbers compare as integers: without the leading zero bytes DER may add.
    static func canonical(_ serial: [UInt8]) -> [UInt8] {
        let trimmed = serial.drop { $0 == 0 }
        return trimmed.isEmpty ? [0] : Array(trimmed)
    }

    public init(contentsOf path: String, issuer: Certificate) throws {
        guard let data = FileManager.default.contents(atPath: path) else { throw Invalid("\(path) cannot be read") }
        guard data.count <= 16 << 20 else { throw Invalid("\(path) is larger than 16 MiB") }
        try self.init(bytes: Array(data), issuer: issuer)
    }

    public init(bytes: [UInt8], issuer: Certificate) throws {
        var der = bytes
        if let text = String(bytes: bytes, encoding: .utf8), text.contains("-----BEGIN X509 CRL-----") {
            let document = try PEMDocument(pemString: text)
            guard document.discriminator == "X509 CRL" else { throw Invalid("a PEM block that is not an X509 CRL") }
            der = document.derBytes
        }
        let root = try DER.parse(der)
        guard case .constructed(let top) = root.content else { throw Invalid("not a CRL: expected a SEQUENCE") }
        let parts = Array(top)
        guard parts.count == 3, case .constructed(let tbsNodes) = parts[0].content else {
            throw Invalid("not a CRL: expected tbsCertList, signatureAlgorithm, signatureValue")
        }
        let algorithm = try Self.signatureAlgorithm(parts[1])
        let signature = try ASN1BitString(derEncoded: parts[2])
        try Self.verify(Array(parts[0].encodedBytes), signature: Array(signature.bytes), algorithm: algorithm,
                        issuer: issuer)

        var fields = Array(tbsNodes)[...]
        if let first = fields.first, first.identifier == .integer { fields = fields.dropFirst() }  // version v2
        guard fields.count >= 3 else { throw Invalid("tbsCertList is truncated") }
        fields = fields.dropFirst()  // signature algorithm, repeated
        let issuerName = try DistinguishedName(derEncoded: fields.removeFirst())
        guard issuerName == issuer.subject else { throw Invalid("issued by \(issuerName), not by the operator CA \(issuer.subject)") }
        thisUpdate = try Self.time(fields.removeFirst())
        var next: Int64?
        if let node = fields.first, node.identifier == .utcTime || node.identifier == .generalizedTime {
            next = try Self.time(node)
            fields = fields.dropFirst()
        }
        nextUpdate = next
        var serials = Set<[UInt8]>()
        if let node = fields.first, node.identifier == .sequence, case .constructed(let entries) = node.content {
            for entry in entries {
                guard case .constructed(let items) = entry.content, let serial = items.first(where: { _ in true }),
                      serial.identifier == .integer, case .primitive(let bytes) = serial.content
                else { throw Invalid("a revoked entry without a serial number") }
                serials.insert(Self.canonical(Array(bytes)))
            }
        }
        revoked = serials
    }

    private static func time(_ node: ASN1Node) throws -> Int64 {
        let date: Date
        switch node.identifier {
        case .utcTime: date = Date(try UTCTime(derEncoded: node))
        case .generalizedTime: date = Date(try GeneralizedTime(derEncoded: node))
        default: throw Invalid("expected a time")
        }
        return Int64(date.timeIntervalSince1970) * 1_000
    }

    private static func verify(_ tbs: [UInt8], signature: [UInt8], algorithm: ASN1ObjectIdentifier, issuer: Certificate) throws {
        let valid: Bool
        switch algorithm {
        case .AlgorithmIdentifier.ecdsaWithSHA256:
            guard let key = P256.Signing.PublicKey(issuer.publicKey) else { throw Invalid("the CA's key is not P-256") }
            valid = key.isValidSignature(try P256.Signing.ECDSASignature(derRepresentation: signature), for: SHA256.hash(data: tbs))
        case .AlgorithmIdentifier.ecdsaWithSHA384:
            guard let key = P384.Signing.PublicKey(issuer.publicKey) else { throw Invalid("the CA's key is not P-384") }
            valid = key.isValidSignature(try P384.Signing.ECDSASignature(derRepresentation: signature), for: SHA384.hash(data: tbs))
        default:
            throw Invalid("signed with \(algorithm); ECDSA with SHA-256 or SHA-384 is supported")
        }
        guard valid else { throw Invalid("its signature does not verify with the operator CA's key") }
    }

    private static func signatureAlgorithm(_ node: ASN1Node) throws -> ASN1ObjectIdentifier {
        guard case .constructed(let items) = node.content, let oid = items.first(where: { _ in true }) else {
            throw Invalid("a malformed signature algorithm")
        }
        return try ASN1ObjectIdentifier(derEncoded: oid)
    }
}

extension ASN1ObjectIdentifier.AlgorithmIdentifier {
    static let ecdsaWithSHA256: ASN1ObjectIdentifier = [1, 2, 840, 10045, 4, 3, 2]
    static let ecdsaWithSHA384: ASN1ObjectIdentifier = [1, 2, 840, 10045, 4, 3, 3]
}

extension CertificateAuthority {
    /// A signed CRL (PEM) listing `serials`, valid from now for `days`.
    public func revocationList(revoking serials: [[UInt8]], days: Int = 30) throws -> String {
        let now = Date()
        var tbs = DER.Serializer()
        try tbs.appendConstructedNode(identifier: .sequence) { s in
            try s.serialize(1)  // v2
            try s.appendConstructedNode(identifier: .sequence) { try $0.serialize(ASN1ObjectIdentifier.AlgorithmIdentifier.ecdsaWithSHA256) }
            try s.serialize(certificate.subject)
            try s.serialize(try UTCTime(now))
            try s.serialize(try UTCTime(now.addingTimeInterval(Double(days) * 86_400)))
            if !serials.isEmpty {
                try s.appendConstructedNode(identifier: .sequence) { list in
                    for serial in serials {
                        try list.appendConstructedNode(identifier: .sequence) { entry in
                            // INTEGER content: big-endian, with a zero byte if the top bit is set.
                            let content = serial.first.map { $0 & 0x80 != 0 } == true ? [0] + serial : serial
                            entry.appendPrimitiveNode(identifier: .integer) { $0.append(contentsOf: content) }
                            try entry.serialize(try UTCTime(now))
                        }
                    }
                }
            }
        }
        let tbsBytes = tbs.serializedBytes
        let signature = try key.signature(for: SHA256.hash(data: tbsBytes)).derRepresentation
        var crl = DER.Serializer()
        try crl.appendConstructedNode(identifier: .sequence) { s in
            s.serializeRawBytes(tbsBytes)
            try s.appendConstructedNode(identifier: .sequence) { try $0.serialize(ASN1ObjectIdentifier.AlgorithmIdentifier.ecdsaWithSHA256) }
            try s.serialize(ASN1BitString(bytes: ArraySlice(signature)))
        }
        return PEMDocument(type: "X509 CRL", derBytes: crl.serializedBytes).pemString
    }
}

private extension Date {
    init(_ time: UTCTime) {
        self.init(utc: (time.year, time.month, time.day, time.hours, time.minutes, time.seconds))
    }

    init(_ time: GeneralizedTime) {
        self.init(utc: (time.year, time.month, time.day, time.hours, time.minutes, time.seconds))
    }

    init(utc parts: (year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int)) {
        var components = DateComponents()
        (components.year, components.month, components.day) = (parts.year, parts.month, parts.day)
        (components.hour, components.minute, components.second) = (parts.hour, parts.minute, parts.second)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        self = calendar.date(from: components) ?? .distantPast
    }
}

private extension UTCTime {
    init(_ date: Date) throws {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        try self.init(year: c.year!, month: c.month!, day: c.day!, hours: c.hour!, minutes: c.minute!, seconds: c.second!)
    }
}
