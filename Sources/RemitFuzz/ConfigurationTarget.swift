import RemitConfiguration

/// The whole configuration file, from TOML text to the typed configuration remitd runs on: every
/// key's range and type, cross-key rules, partner sections per adapter. Whatever it accepts must
/// hold what remitd relies on without checking again.
enum ConfigurationTarget {
    static func run(_ data: UnsafeRawBufferPointer) {
        // Secret files are not read: the same input gives the same answer whatever the disk holds.
        let text = String(decoding: data, as: UTF8.self)
        let configuration: GatewayConfiguration
        do { configuration = try GatewayConfiguration.parse(text, file: "/nonexistent-remit-fuzz/remitd.toml", secrets: .skip) } catch {
            precondition(!error.description.isEmpty, "an error without a message")
            return
        }
        let server = configuration.server
        precondition((1...65_535).contains(server.port), "port \(server.port)")
        precondition(server.heartbeatIntervalMs < server.idleTimeoutMs, "heartbeat not shorter than idle timeout")
        precondition(server.maxInFlightRequests > 0 && server.maxConnections > 0 && server.maxConnectionsPerOperator > 0)
        precondition(Set(configuration.operators.map(\.id)).count == configuration.operators.count, "an operator twice")
        precondition(Set(configuration.operators.map(\.certificateName)).count == configuration.operators.count,
                     "a certificate name twice")
        precondition(Set(configuration.partners.map(\.id)).count == configuration.partners.count, "a partner twice")
        for partner in configuration.partners {
            precondition(partner.timeoutMs > 0 && partner.maxConcurrency > 0, "partner \(partner.id) without limits")
            precondition(partner.costBasisPoints >= 0 && partner.costFixed.values.allSatisfy { $0 >= 0 })
        }
        for operatorConfig in configuration.operators { precondition(operatorConfig.creditLimit >= 0) }
        precondition(configuration.quoteTtlMs.values.allSatisfy { $0 > 0 }, "a quote that never holds")
    }
}
