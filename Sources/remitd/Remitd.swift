import ArgumentParser
import Foundation
import Logging
import RemitGateway
import RemitLedger

/// The gateway daemon: `remitd --config /etc/remitd/remitd.toml`, or `remitd --demo` for a
/// complete demo in ./.remit-demo/.
@main
struct Remitd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remitd",
        abstract: "The Remit Gateway daemon.",
        discussion: """
            Serves money transfer operators over mutual TLS (Protocol/PROTOCOL.md) and keeps the \
            books in one SQLite ledger. SIGTERM drains and exits 0; SIGHUP reloads the \
            configuration and certificates. Exit codes: 0 stopped cleanly, 64 usage, \
            78 configuration error, 75 another process has the ledger open for writing (one \
            remitd per ledger), 70 failure while running.
            """)

    @Flag(help: "Start on the embedded demo defaults in the state folder (./.remit-demo), made on first start.")
    var demo = false

    @Option(help: "The configuration file (TOML); see docs/configuration.md.")
    var config: String?

    @Flag(help: ArgumentHelp("Check the configuration file and exit: 0 when it is valid, 78 with the first error when not.",
                             discussion: "Secret files and credentials are not read; certificates and the ledger are checked at start."))
    var check = false

    @Option(help: "The demo's folder.")
    var stateDir = ".remit-demo"

    @Option(help: "Override server.listen, e.g. 127.0.0.1:0 for any free port.")
    var listen: String?

    @Option(help: "Override admin.listen.")
    var adminListen: String?

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .info

    func validate() throws {
        guard demo != (config != nil) else { throw ValidationError("give either --demo or --config FILE") }
        guard !check || config != nil else { throw ValidationError("--check needs --config FILE") }
    }

    func run() async throws {
        // A write past a file-size limit (systemd's LimitFSIZE=, ulimit -f) raises SIGXFSZ, which
        // kills the process unless the writing thread blocks it (dispatch threads, where SQLite
        // writes, do; others may not). Ignored, the write just fails with EFBIG: an I/O error that
        // refuses the commit as retryable (StorageFaultTests).
        signal(SIGXFSZ, SIG_IGN)
        if check, let config {
            do { _ = try GatewayConfiguration.load(path: config, secrets: .skip) } catch { fail("\(error)", code: 78) }
            print("\(config): valid")
            return
        }
        let level = logLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "remitd")
        var path = config ?? ""
        var demoEnvironment: DemoEnvironment?
        var firstStart = false
        if demo {
            let environment = DemoEnvironment(folder: stateDir)
            do { firstStart = try environment.prepare() } catch {
                fail("cannot create the demo folder \(stateDir): \(error)", code: 73)
            }
            path = environment.configurationPath
            demoEnvironment = environment
        }
        var configuration: GatewayConfiguration
        do { configuration = try GatewayConfiguration.load(path: path) } catch { fail("\(error)", code: 78) }
        if let listen { configuration.server = try override(configuration.server, listen) }
        if let adminListen { configuration.admin = try override(configuration.admin, adminListen) }
        let gateway: Gateway
        do { gateway = try await Gateway(configuration: configuration, logger: logger) } catch let error as ConfigurationError {
            fail("\(error)", code: 78)
        } catch let error as LedgerOpenError {
            // Another remitd has this ledger: refused before any socket, dispatcher or migration.
            if case .inUse = error { fail("cannot start: \(error)", code: 75) }
            fail("cannot start: \(error)", code: 70)
        } catch {
            fail("cannot start: \(error)", code: 70)
        }
        if let demoEnvironment {
            do { try await demoEnvironment.fund(gateway.ledger) } catch { fail("cannot fund the demo operators: \(error)", code: 70) }
            do { try await gateway.setRates(DemoEnvironment.rates(now: Ledger.wallClock()), source: "demo") } catch {
                fail("cannot set the demo's reference rates: \(error)", code: 70)
            }
        }
        let folder = stateDir
        let isDemo = demo
        let created = firstStart
        do {
            try await gateway.run { gateway in
                let (port, admin) = gateway.ports
                // One line a script can wait for, then the demo's directions.
                var text = "remitd ready: operators on port \(port ?? 0), admin on port \(admin ?? 0)"
                if let callbacks = gateway.callbackPort { text += ", callbacks on port \(callbacks)" }
                text += "\n"
                if isDemo { text += Self.directions(folder: folder, firstStart: created, port: port ?? 0, admin: admin ?? 0) + "\n" }
                FileHandle.standardOutput.write(Data(text.utf8))
            }
        } catch {
            fail("stopped on an error: \(error)", code: 70)
        }
    }

    private func override(_ server: GatewayConfiguration.Server, _ text: String) throws -> GatewayConfiguration.Server {
        var server = server
        (server.host, server.port) = try address(text)
        return server
    }

    private func override(_ admin: GatewayConfiguration.Admin, _ text: String) throws -> GatewayConfiguration.Admin {
        var admin = admin
        (admin.host, admin.port) = try address(text)
        return admin
    }

    private func address(_ text: String) throws -> (String, Int) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65_535) ~= port,
              colon > text.startIndex
        else { throw ValidationError("\(text) is not host:port") }
        return (String(text[..<colon]), port)
    }

    private func fail(_ message: String, code: Int32) -> Never {
        FileHandle.standardError.write(Data("remitd: \(message)\n".utf8))
        Foundation.exit(code)
    }

    static func directions(folder: String, firstStart: Bool, port: Int, admin: Int) -> String {
        """

        Remit Gateway demo \(firstStart ? "created in" : "reusing") \(folder)/
          operators ACME (USD 1,000,000.00 prefunded) and BETA (GBP 500,000.00), certificates in \(folder)/operators/
          corridors US→KE (USD→KES), US→PH (USD→PHP), GB→KE (GBP→KES)
          health and metrics: curl http://127.0.0.1:\(admin)/metrics

        Send a first remittance from another terminal, in this folder:
          swift run remitctl send --demo --amount 100.00 --currency USD --to KE
          swift run remitctl transfers list
        """
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
