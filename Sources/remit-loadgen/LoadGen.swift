import ArgumentParser

/// The load generator for Benchmarks/: mutual-TLS connections driving a gateway with RemitClient.
@main
struct LoadGen: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remit-loadgen",
        abstract: "Drive a Remit Gateway with transfers and measure it.")

    func run() throws {
        throw ValidationError("remit-loadgen needs a running gateway, which this build does not have yet.")
    }
}
