import Foundation
import RemitClient
import RemitDomain
import RemitGateway
import RemitProtocol

/// One operator the load is sent as: its client configuration and the transfer it sends (a copy
/// with a fresh id each time).
struct LoadOperator: Sendable {
    var id: String
    var client: RemitClientConfiguration
    var template: Transfer

    /// A wallet remittance of the corridor's minimum: the cheapest transfer the gateway accepts,
    /// so that a prefund lasts; the sender's account differs per transfer, as real traffic's does.
    static func template(corridor: Corridor) -> Transfer {
        let wallet: String = corridor.payoutCountry == "KE" ? "254712345678" : "639171234567"
        return Transfer(
            transferId: .random(), amount: Swift.max(corridor.minimum, 1), senderPhone: 12_025_550_143,
            beneficiaryPhone: UInt64(wallet)!, sendCurrency: CurrencyCode(corridor.sendCurrency.code)!,
            payoutCurrency: CurrencyCode(corridor.payoutCurrency.code)!, sendCountry: CountryCode(corridor.sendCountry)!,
            payoutCountry: CountryCode(corridor.payoutCountry)!, operatorReference: "LOAD", senderName: "Maria Lopez",
            senderAccount: "LOAD-0", beneficiaryName: "Grace Wanjiru", beneficiaryAccount: wallet,
            legs: [Leg(product: .mobileWallet, share: 10_000, account: wallet)])
    }

    /// Transfers `sequences`. Time-ordered ids are UUIDv7 made monotonic within the batch (RFC
    /// 9562 section 6.2, method 2): the batch's millisecond and random bits, then each id the one
    /// before plus one, as a client generating many ids in one millisecond would. (Drawn one by
    /// one from the system's generator, ids cost two `getrandom` calls each, 14 % of the load
    /// generator's CPU in batches, and came in random order within a millisecond.)
    func transfers(_ sequences: Range<Int>, timeOrdered: Bool) -> [Transfer] {
        let first = ID128.version7(unixMilliseconds: UInt64(Date().timeIntervalSince1970 * 1_000))
        // Room below the variant bits for a whole batch: the counter never carries into them.
        let start = first.low & 0xBFFF_FFFF_FFF0_0000
        return sequences.enumerated().map { offset, sequence in
            var transfer = template
            transfer.transferId = timeOrdered ? ID128(high: first.high, low: start + UInt64(offset)) : .random()
            transfer.senderAccount = "LOAD-\(sequence)"
            return transfer
        }
    }
}


/// Where the load goes: the gateway's address and the operators, from a demo's state folder.
struct LoadTarget: Sendable {
    var operators: [LoadOperator]
    /// The ledger file, for checking afterwards that every acknowledged transfer is in it.
    var ledgerPath: String
    var adminSocket: String

    static func demo(stateDir: String, operators names: [String], gateway: String?) throws -> LoadTarget {
        let environment = DemoEnvironment(folder: stateDir)
        let configuration = try GatewayConfiguration.load(path: environment.configurationPath)
        var host = configuration.server.host, port = configuration.server.port
        if let gateway {
            guard let colon = gateway.lastIndex(of: ":"), let p = Int(gateway[gateway.index(after: colon)...]) else {
                throw LoadError("--gateway must be host:port")
            }
            (host, port) = (String(gateway[..<colon]), p)
        }
        let operators = try names.map { name -> LoadOperator in
            guard let member = configuration.operators.first(where: { $0.id == name }) else {
                throw LoadError("operator \(name) is not in \(environment.configurationPath)")
            }
            guard let corridor = configuration.corridors.first(where: {
                $0.sendCurrency == member.currency && $0.products.contains("mobileWallet")
            }) else { throw LoadError("no wallet corridor from \(member.currency.code) for \(name)") }
            let client = RemitClientConfiguration(
                host: host, port: port, certificateChainPath: environment.path("operators/\(name).pem"),
                privateKeyPath: environment.path("operators/\(name).key"), trustRootsPath: environment.path("ca.pem"),
                clientName: "remit-loadgen/1", connectTimeout: .seconds(10), requestTimeout: .seconds(60))
            return LoadOperator(id: name, client: client, template: LoadOperator.template(corridor: corridor))
        }
        return LoadTarget(operators: operators, ledgerPath: configuration.ledger.path,
                          adminSocket: configuration.admin.socket)
    }
}

struct LoadError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
