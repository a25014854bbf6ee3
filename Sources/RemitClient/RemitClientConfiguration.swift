import NIOCore
import NIOSSL
import RemitProtocol

/// Where and how to connect: the gateway's address, the operator's client certificate and key,
/// the CA that signed the gateway's certificate, and the client's limits.
///
/// ```swift
/// let configuration = RemitClientConfiguration(
///     host: "127.0.0.1", port: 7443, serverHostname: "localhost",
///     certificateChainPath: "acme.pem", privateKeyPath: "acme.key", trustRootsPath: "ca.pem")
/// ```
public struct RemitClientConfiguration: Sendable {
    public var host: String
    public var port: Int
    /// The name the gateway's certificate must carry; nil skips name checks (the chain is still verified).
    public var serverHostname: String?
    public var certificateChainPath: String
    public var privateKeyPath: String
    public var trustRootsPath: String
    /// Sent in Hello, for the gateway's logs.
    public var clientName: String
    public var connectTimeout: TimeAmount
    /// How long a request may wait for its answer before it fails with `.timeout`.
    public var requestTimeout: TimeAmount
    /// TLS 1.3 only unless set; the protocol allows 1.2 with AEAD ciphers where a gateway enables it.
    public var allowTLS12: Bool
    /// The protocol versions offered in Hello; the gateway picks the highest it also speaks.
    public var versions: ClosedRange<UInt8> = FrameHeader.versions

    public init(host: String, port: Int, serverHostname: String? = nil, certificateChainPath: String,
                privateKeyPath: String, trustRootsPath: String, clientName: String = "remit-swift-client/1",
                connectTimeout: TimeAmount = .seconds(10), requestTimeout: TimeAmount = .seconds(30),
                allowTLS12: Bool = false) {
        self.host = host
        self.port = port
        self.serverHostname = serverHostname
        self.certificateChainPath = certificateChainPath
        self.privateKeyPath = privateKeyPath
        self.trustRootsPath = trustRootsPath
        self.clientName = clientName
        self.connectTimeout = connectTimeout
        self.requestTimeout = requestTimeout
        self.allowTLS12 = allowTLS12
    }

    func makeTLSConfiguration() throws -> TLSConfiguration {
        var tls = TLSConfiguration.makeClientConfiguration()
        // The library's default minimum is TLS 1.0: the protocol never accepts below 1.2.
        tls.minimumTLSVersion = allowTLS12 ? .tlsv12 : .tlsv13
        tls.cipherSuites = TransportSecurity.tls12CipherSuites
        tls.certificateVerification = serverHostname == nil ? .noHostnameVerification : .fullVerification
        tls.trustRoots = .file(trustRootsPath)
        tls.certificateChain = try NIOSSLCertificate.fromPEMFile(certificateChainPath).map { .certificate($0) }
        tls.privateKey = .privateKey(try NIOSSLPrivateKey(file: privateKeyPath, format: .pem))
        tls.applicationProtocols = [TransportSecurity.alpn]
        return tls
    }
}
