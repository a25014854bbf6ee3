import NIOSSL
import RemitProtocol

/// The TLS side of the operator port: TLS 1.3 (1.2 with ECDHE and AEAD only when configured),
/// the gateway's certificate, and a client certificate required and verified against the
/// operator CA, whose validity period BoringSSL checks.
enum ServerTLS {
    static func context(_ server: GatewayConfiguration.Server) throws -> NIOSSLContext {
        var tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMFile(server.certificate).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(file: server.privateKey, format: .pem)))
        // The library's default minimum is TLS 1.0; the protocol never accepts below 1.2.
        tls.minimumTLSVersion = server.allowTLS12 ? .tlsv12 : .tlsv13
        tls.cipherSuites = TransportSecurity.tls12CipherSuites
        tls.certificateVerification = .noHostnameVerification
        tls.trustRoots = .file(server.operatorCA)
        tls.applicationProtocols = [TransportSecurity.alpn]
        return try NIOSSLContext(configuration: tls)
    }
}
