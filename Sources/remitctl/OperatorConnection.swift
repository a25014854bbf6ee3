import ArgumentParser
import Foundation
import RemitClient
import RemitDomain
import RemitGateway
import RemitProtocol

/// How a command reaches the gateway as an operator: with `--demo`, the operator's certificate,
/// the CA and the address come from the demo's state folder; otherwise from the options.
struct OperatorConnectionOptions: ParsableArguments {
    @Flag(help: "Act as a demo operator, with the demo's certificates and address.") var demo = false
    @Option(help: "The demo's state folder.") var stateDir = ProcessInfo.processInfo.environment["REMIT_STATE_DIR"] ?? ".remit-demo"
    @Option(name: .customLong("as"), help: "The demo operator to act as.") var operatorId = "ACME"
    @Option(help: "The gateway's host:port (default: the demo configuration's).") var gateway: String?
    @Option(help: "Client certificate (PEM), when not --demo.") var certificate: String?
    @Option(help: "Client private key (PEM), when not --demo.") var key: String?
    @Option(help: "CA of the gateway's certificate (PEM), when not --demo.") var ca: String?

    /// The demo's corridors (none without `--demo`), for defaults a command may fill in.
    func corridors() throws -> [Corridor] {
        guard demo else { return [] }
        return try demoConfiguration().corridors
    }

    private func demoConfiguration() throws -> GatewayConfiguration {
        do { return try GatewayConfiguration.load(path: DemoEnvironment(folder: stateDir).configurationPath) } catch {
            throw CommandFailure("no demo in \(stateDir) (start `remitd --demo` first, or give --state-dir): \(error)",
                                 exitCode: 66)
        }
    }

    /// Connects over mutual TLS and completes Hello/Welcome; exit 69 if the gateway is not there.
    func connect() async throws -> RemitClient {
        var host = "127.0.0.1", port = 7443
        var certificatePath = certificate, keyPath = key, caPath = ca
        if demo {
            let environment = DemoEnvironment(folder: stateDir)
            let configuration = try demoConfiguration()
            (host, port) = (configuration.server.host, configuration.server.port)
            certificatePath = environment.path("operators/\(operatorId).pem")
            keyPath = environment.path("operators/\(operatorId).key")
            caPath = environment.path("ca.pem")
        }
        if let gateway {
            guard let colon = gateway.lastIndex(of: ":"), let p = Int(gateway[gateway.index(after: colon)...]) else {
                throw CommandFailure("--gateway must be host:port", exitCode: 64)
            }
            (host, port) = (String(gateway[..<colon]), p)
        }
        guard let certificatePath, let keyPath, let caPath else {
            throw CommandFailure("give --demo, or --certificate, --key and --ca", exitCode: 64)
        }
        do {
            return try await RemitClient.connect(RemitClientConfiguration(
                host: host, port: port, serverHostname: nil, certificateChainPath: certificatePath,
                privateKeyPath: keyPath, trustRootsPath: caPath, clientName: "remitctl/1",
                connectTimeout: .seconds(5), requestTimeout: .seconds(30)))
        } catch {
            throw CommandFailure("cannot reach the gateway at \(host):\(port): \(error)", exitCode: 69)
        }
    }
}

extension OperatorConnectionOptions {
    /// Connects, runs one exchange as the operator and closes the connection; answers the result
    /// and the operator the gateway named. A refusal by the gateway is printed and exits 1; any
    /// other failure exits with its own code (69 when the gateway is not there).
    func exchange<T>(_ body: (RemitClient) async throws -> T) async throws -> (T, operatorId: String) {
        do {
            let client = try await connect()
            do {
                let result = try await body(client)
                try? await client.close()
                return (result, client.welcome.operatorId)
            } catch let error as RemitClientError {
                try? await client.close()
                throw CommandFailure("the gateway refused the request: \(error)")
            }
        } catch let failure as CommandFailure {
            FileHandle.standardError.write(Data("remitctl: \(failure.description)\n".utf8))
            throw ExitCode(failure.exitCode)
        }
    }
}

/// `PRODUCT:SHARE:ACCOUNT[:INSTITUTION]`, SHARE in basis points of 10000.
enum LegArgument {
    static func parse(_ text: String) throws -> Leg {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 3 || parts.count == 4, let product = Product.allCases.first(where: { "\($0)" == parts[0] }),
              let share = UInt16(parts[1])
        else { throw CommandFailure("--leg \(text) is not PRODUCT:SHARE:ACCOUNT[:INSTITUTION]", exitCode: 64) }
        return Leg(product: product, share: share, institution: parts.count == 4 ? parts[3] : "", account: parts[2])
    }

    static func text(_ leg: Leg) -> String {
        "\(leg.product):\(leg.share):\(leg.account)" + (leg.institution.isEmpty ? "" : ":\(leg.institution)")
    }
}
