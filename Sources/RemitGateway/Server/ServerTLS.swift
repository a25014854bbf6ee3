import Foundation
import NIOCore
import NIOSSL
import RemitProtocol
import SwiftASN1
import X509

/// The TLS side of the operator port: TLS 1.3 (1.2 with ECDHE and AEAD only when configured),
/// the gateway's certificate, a client certificate required and verified against the operator
/// CA (whose validity period BoringSSL checks), and the CA's revocation list, checked during the
/// handshake so that a revoked certificate never gets as far as Hello.
struct ServerTLS: Sendable {
    let context: NIOSSLContext
    let revocation: RevocationList?
    /// Seconds since the epoch when the server certificate and the operator CA expire, and when
    /// the revocation list falls due for its next update: the metrics that warn operations in time.
    let expiries: [(name: String, seconds: Int64)]

    init(_ server: GatewayConfiguration.Server, file: String) throws(ConfigurationError) {
        func fail(_ key: String, _ problem: String) -> ConfigurationError {
            ConfigurationError(file: file, key: "server.\(key)", problem: problem)
        }
        var tls: TLSConfiguration
        do {
            tls = TLSConfiguration.makeServerConfiguration(
                certificateChain: try NIOSSLCertificate.fromPEMFile(server.certificate).map { .certificate($0) },
                privateKey: .privateKey(try NIOSSLPrivateKey(file: server.privateKey, format: .pem)))
        } catch {
            throw fail("certificate", "\(server.certificate) or \(server.privateKey) cannot be used: \(error)")
        }
        // The library's default minimum is TLS 1.0; the protocol never accepts below 1.2.
        tls.minimumTLSVersion = server.allowTLS12 ? .tlsv12 : .tlsv13
        tls.cipherSuites = TransportSecurity.tls12CipherSuites
        tls.certificateVerification = .noHostnameVerification
        tls.trustRoots = .file(server.operatorCA)
        tls.applicationProtocols = [TransportSecurity.alpn]
        do { context = try NIOSSLContext(configuration: tls) } catch {
            throw fail("operator_ca", "\(server.operatorCA) cannot be used: \(error)")
        }
        var expiries: [(name: String, seconds: Int64)] = []
        for (name, path) in [("server", server.certificate), ("operator_ca", server.operatorCA)] {
            if let text = try? String(contentsOfFile: path, encoding: .utf8),
               let first = try? PEMDocument.parseMultiple(pemString: text).first,
               let certificate = try? Certificate(derEncoded: first.derBytes) {
                expiries.append((name, Int64(certificate.notValidAfter.timeIntervalSince1970)))
            }
        }
        if let crl = server.crl {
            let issuer: Certificate
            do {
                issuer = try Certificate(pemEncoded: String(contentsOfFile: server.operatorCA, encoding: .utf8))
            } catch {
                throw fail("operator_ca", "\(server.operatorCA) is not a PEM certificate: \(error)")
            }
            do { revocation = try RevocationList(contentsOf: crl, issuer: issuer) } catch {
                throw fail("crl", "\(crl) cannot be used: \(error)")
            }
            if let next = revocation?.nextUpdate { expiries.append(("crl_next_update", next / 1_000)) }
        } else {
            revocation = nil
        }
        self.expiries = expiries
    }

    struct Revoked: Error {}

    /// A handler for one connection. The revocation check runs after BoringSSL has verified the
    /// chain; failing it fails the handshake. (`_makeSSLServerHandler` is swift-nio-ssl's hook
    /// for this; its underscore marks it as subject to change, so the version is pinned.)
    func handler() -> NIOSSLServerHandler {
        guard let revocation else { return NIOSSLServerHandler(context: context) }
        return NIOSSLServerHandler._makeSSLServerHandler(context: context) { certificate, channel in
            revocation.isRevoked(serial: certificate.serialNumber)
                ? channel.eventLoop.makeFailedFuture(Revoked()) : channel.eventLoop.makeSucceededVoidFuture()
        }
    }
}
