/// The transport rules of PROTOCOL.md section 1 that both ends configure their TLS with.
public enum TransportSecurity {
    /// The ALPN protocol id.
    public static let alpn = "remit/1"

    /// TLS 1.2 cipher suites, where TLS 1.2 is enabled at all: ECDHE key exchange with AEAD only.
    /// (TLS 1.3's suites are all AEAD.) An OpenSSL/BoringSSL cipher string.
    public static let tls12CipherSuites = [
        "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256",
        "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-RSA-AES256-GCM-SHA384",
        "ECDHE-ECDSA-CHACHA20-POLY1305", "ECDHE-RSA-CHACHA20-POLY1305",
    ].joined(separator: ":")
}
