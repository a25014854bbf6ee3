import Crypto
import Foundation
import SwiftASN1
import X509

/// A small certificate authority for operators' client certificates and the gateway's server
/// certificate: P-256 keys, ECDSA with SHA-256. The demo makes one on first start; tests make
/// good, expired and foreign ones; `remitctl certs` will issue and revoke with it.
///
/// ```swift
/// let ca = try CertificateAuthority.create(name: "Remit Demo CA")
/// let acme = try ca.issue(commonName: "ACME", usage: .client)
/// try acme.certificatePEM.write(toFile: "acme.pem", atomically: true, encoding: .utf8)
/// ```
public struct CertificateAuthority: Sendable {
    public let certificate: Certificate
    let key: P256.Signing.PrivateKey

    public enum Usage: Sendable {
        case server(hostnames: [String], addresses: [[UInt8]])
        case client
    }

    /// A certificate with its private key, both PEM.
    public struct Issued: Sendable {
        public let certificatePEM: String
        public let privateKeyPEM: String
        public let serialNumber: [UInt8]
    }

    public var certificatePEM: String { get throws { try certificate.serializeAsPEM().pemString } }
    public var privateKeyPEM: String { key.pemRepresentation }

    public static func create(name: String, validFor days: Int = 3_650) throws -> CertificateAuthority {
        let key = P256.Signing.PrivateKey()
        let subject = try DistinguishedName {
            OrganizationName("Remit Gateway")
            CommonName(name)
        }
        let now = Date()
        let certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(key.publicKey),
            notValidBefore: now.addingTimeInterval(-3_600), notValidAfter: now.addingTimeInterval(Double(days) * 86_400),
            issuer: subject, subject: subject, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
                SubjectKeyIdentifier(hash: .init(key.publicKey))
            },
            issuerPrivateKey: .init(key))
        return CertificateAuthority(certificate: certificate, key: key)
    }

    public static func load(certificatePEM: String, privateKeyPEM: String) throws -> CertificateAuthority {
        CertificateAuthority(certificate: try Certificate(pemEncoded: certificatePEM),
                             key: try P256.Signing.PrivateKey(pemRepresentation: privateKeyPEM))
    }

    /// Issues a certificate valid from `notBefore` for `days` (a negative span makes an expired
    /// one, for tests).
    public func issue(commonName: String, usage: Usage, notBefore: Date = Date().addingTimeInterval(-3_600),
                      days: Int = 825) throws -> Issued {
        let key = P256.Signing.PrivateKey()
        let subject = try DistinguishedName {
            OrganizationName("Remit Gateway")
            CommonName(commonName)
        }
        let serial = Certificate.SerialNumber()
        let notAfter = notBefore.addingTimeInterval(Double(days) * 86_400)
        let certificate = try Certificate(
            version: .v3, serialNumber: serial, publicKey: .init(key.publicKey), notValidBefore: notBefore,
            notValidAfter: notAfter, issuer: self.certificate.subject, subject: subject,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
                switch usage {
                case .server(let hostnames, let addresses):
                    try ExtendedKeyUsage([.serverAuth])
                    SubjectAlternativeNames(hostnames.map { GeneralName.dnsName($0) }
                        + addresses.map { GeneralName.ipAddress(ASN1OctetString(contentBytes: ArraySlice($0))) })
                case .client:
                    try ExtendedKeyUsage([.clientAuth])
                }
                AuthorityKeyIdentifier(keyIdentifier: try? self.certificate.extensions.subjectKeyIdentifier?.keyIdentifier)
            },
            issuerPrivateKey: .init(self.key))
        return Issued(certificatePEM: try certificate.serializeAsPEM().pemString, privateKeyPEM: key.pemRepresentation,
                      serialNumber: Array(serial.bytes))
    }
}
