import NIOSSL
import SwiftASN1
import X509

/// The operator identity a client certificate carries: its subject common name, read from the
/// certificate the TLS handshake verified against the operator CA. Never from a message.
enum Identity {
    static func commonName(of certificate: NIOSSLCertificate) -> String? {
        guard let der = try? certificate.toDERBytes(), let parsed = try? Certificate(derEncoded: der) else { return nil }
        return commonName(of: parsed)
    }

    static func commonName(of certificate: Certificate) -> String? {
        var name: String?
        for rdn in certificate.subject {
            for attribute in rdn where attribute.type == .RDNAttributeType.commonName {
                name = String(describing: attribute.value)
            }
        }
        return name
    }
}
