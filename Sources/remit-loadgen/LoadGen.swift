import ArgumentParser
import Foundation
import RemitDomain
import RemitGateway
import RemitLedger
import RemitProtocol

/// The load generator for Benchmarks/: mutual-TLS connections sending transfers to a running
/// gateway as its operators, with acknowledgement latency, throughput, errors by code, and a
/// check that every acknowledged transfer is in the ledger.
@main
struct LoadGen: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remit-loadgen",
        abstract: "Drive a Remit Gateway with transfers and measure it.",
        discussion: """
            Runs against a demo's state folder (`remitd --demo`): the operators' certificates, the \
            gateway's address, its corridors and its ledger come from there.

            Examples:
              remit-loadgen --transfers 100000 --batch 8189 --connections 2 --window 2
              remit-loadgen --transfers 50000 --batch 1 --connections 256 --window 1
              remit-loadgen --seconds 30 --rate 20000 --batch 1 --connections 64 --window 16

            Without --rate the load is closed-loop: each of the window's lanes sends its next batch \
            when the last is answered. With --rate it is open-loop: batches are due at that many \
            transfers a second, and latency counts from when each was due. Transfer ids are UUIDv7 \
            (time-ordered, increasing within a batch), as PROTOCOL.md advises; --random-ids sends UUIDv4.

            Exit codes: 0 every transfer acknowledged and found in the ledger, 1 refusals, failures or \
            a transfer missing from the ledger, 64 usage, 69 gateway unreachable.
            """)

    @Option(help: "The demo's state folder.") var stateDir = ProcessInfo.processInfo.environment["REMIT_STATE_DIR"] ?? ".remit-demo"
    @Option(help: "The gateway's host:port (default: the demo configuration's).") var gateway: String?
    @Option(name: .customLong("operator"), help: "An operator to send as; repeat for several (default ACME).")
    var operators: [String] = []
    @Option(help: "Connections, spread over the operators (1 to 4096).") var connections = 1
    @Option(help: "Transfers per SubmitTransfers request (1 to 8189).") var batch = 1
    @Option(help: "Requests in flight per connection (1 to 256).") var window = 1
    @Option(help: "Transfers to send in all.") var transfers: Int?
    @Option(help: "Seconds to send for (with or instead of --transfers).") var seconds: Double?
    @Option(help: "Open loop: transfers a second offered.") var rate: Double?
    @Option(help: "Fund each operator's prefund with this amount first, through the admin socket (e.g. 1000000.00).")
    var fund: String?
    @Flag(help: "Random transfer ids (UUIDv4) instead of time-ordered ones (UUIDv7).") var randomIds = false
    @Flag(help: "Skip checking the ledger for every acknowledged transfer.") var noVerify = false
    @Flag(help: "JSON for scripts.") var json = false

    func validate() throws {
        guard (1...4_096).contains(connections) else { throw ValidationError("--connections must be 1 to 4096") }
        guard (1...8_189).contains(batch) else { throw ValidationError("--batch must be 1 to 8189") }
        guard (1...256).contains(window) else { throw ValidationError("--window must be 1 to 256") }
        guard transfers != nil || seconds != nil else { throw ValidationError("give --transfers, --seconds or both") }
        if let transfers, transfers < 1 { throw ValidationError("--transfers must be at least 1") }
        if let seconds, !(seconds > 0 && seconds <= 86_400) { throw ValidationError("--seconds must be above 0, at most 86400") }
        if let rate, !(rate > 0 && rate <= 10_000_000) { throw ValidationError("--rate must be above 0, at most 10000000") }
    }

    func run() async throws {
        let target: LoadTarget
        do {
            target = try LoadTarget.demo(stateDir: stateDir, operators: operators.isEmpty ? ["ACME"] : operators,
                                         gateway: gateway)
        } catch {
            throw fail("cannot read the demo in \(stateDir): \(error)", 64)
        }
        if let fund { try fundOperators(target, fund) }
        let recorder = LoadRecorder()
        let driver = LoadDriver(settings: .init(connections: connections, batch: batch, window: window,
                                                transfers: transfers, seconds: seconds, rate: rate,
                                                timeOrderedIds: !randomIds),
                                operators: target.operators, recorder: recorder)
        let span: (started: ContinuousClock.Instant, ended: ContinuousClock.Instant)
        do { span = try await driver.run() } catch { throw fail("cannot reach the gateway: \(error)", 69) }
        let snapshot = recorder.snapshot
        let verification = noVerify ? nil : try verify(snapshot.acknowledged, ledgerPath: target.ledgerPath)
        let report = LoadReport(mode: rate == nil ? "closed" : "open", connections: connections, batch: batch,
                                window: window, offeredRate: rate, snapshot: snapshot,
                                seconds: Double((span.ended - span.started).components.attoseconds) / 1e18
                                    + Double((span.ended - span.started).components.seconds),
                                verification: verification)
        print(json ? report.json : report.text)
        if !report.clean { throw ExitCode(1) }
    }

    private func fundOperators(_ target: LoadTarget, _ amount: String) throws {
        let client = AdminSocketClient(path: target.adminSocket)
        for member in target.operators {
            let reference = "loadgen \(member.id) \(Int(Date().timeIntervalSince1970 * 1_000))"
            do {
                let response = try client.send(AdminRequest(command: "fund", operator: member.id, amount: amount,
                                                            reference: reference))
                guard response.ok else { throw fail("funding \(member.id) was refused: \(response.error ?? "?")", 1) }
            } catch let failure as ExitCode {
                throw failure
            } catch {
                throw fail("cannot fund \(member.id) through \(target.adminSocket): \(error)", 69)
            }
        }
    }

    /// Every acknowledged transfer must be in the ledger, accepted (whatever became of it since).
    private func verify(_ acknowledged: [String: [ID128]], ledgerPath: String) throws -> LoadReport.Verification {
        let ledger: Ledger
        do { ledger = try Ledger.openForReading(path: ledgerPath) } catch {
            throw fail("cannot open the ledger \(ledgerPath) to check the transfers: \(error)", 1)
        }
        var checked = 0, missing = 0
        for (operatorId, ids) in acknowledged {
            missing += try ledger.missingTransfers(operatorId: operatorId,
                                                   ids: ids.map { TransferID(high: $0.high, low: $0.low) })
            checked += ids.count
        }
        return .init(checked: checked, missing: missing)
    }

    private func fail(_ message: String, _ code: Int32) -> ExitCode {
        FileHandle.standardError.write(Data("remit-loadgen: \(message)\n".utf8))
        return ExitCode(code)
    }
}
