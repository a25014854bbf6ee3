import Foundation
import RemitDomain
import RemitLedger

/// `remitd --demo`: a complete gateway in one folder, made on first start and reused after. A
/// CA, a server certificate for localhost and 127.0.0.1, client certificates for two demo
/// operators, a configuration with demo corridors, and a ledger where both operators are
/// prefunded.
///
/// ```
/// .remit-demo/
///   remitd.toml            the configuration (edit it; a second start keeps it)
///   ca.pem, ca.key         the demo CA, for operators' and the server's certificates
///   server.pem, server.key
///   operators/ACME.pem, operators/ACME.key, operators/BETA.pem, operators/BETA.key
///   ledger.sqlite
/// ```
public struct DemoEnvironment: Sendable {
    public let folder: String
    public var configurationPath: String { path("remitd.toml") }

    public static let operators: [(id: String, currency: String, funding: String)] = [
        ("ACME", "USD", "1000000.00"),
        ("BETA", "GBP", "500000.00"),
    ]

    public init(folder: String) { self.folder = folder }

    public func path(_ name: String) -> String { (folder as NSString).appendingPathComponent(name) }

    /// Creates what is missing. Returns true when the folder was made now (a first start).
    public func prepare(listen: String = "127.0.0.1:7443", adminListen: String = "127.0.0.1:7480") throws -> Bool {
        let manager = FileManager.default
        if manager.fileExists(atPath: configurationPath) { return false }
        try manager.createDirectory(atPath: path("operators"), withIntermediateDirectories: true,
                                    attributes: [.posixPermissions: 0o700])
        try manager.setAttributes([.posixPermissions: 0o700], ofItemAtPath: folder)
        let ca = try CertificateAuthority.create(name: "Remit Demo CA")
        try write(try ca.certificatePEM, "ca.pem")
        try write(ca.privateKeyPEM, "ca.key", secret: true)
        let server = try ca.issue(commonName: "localhost", usage: .server(hostnames: ["localhost"], addresses: [[127, 0, 0, 1]]))
        try write(server.certificatePEM, "server.pem")
        try write(server.privateKeyPEM, "server.key", secret: true)
        for member in Self.operators {
            let issued = try ca.issue(commonName: member.id, usage: .client)
            try write(issued.certificatePEM, "operators/\(member.id).pem")
            try write(issued.privateKeyPEM, "operators/\(member.id).key", secret: true)
        }
        // A small fictitious sanctions list in OFAC's SDN layout, for screening in the demo.
        try write(Self.sanctionsList, "sdn.csv")
        try write(Self.sanctionsAliases, "sdn-alt.csv")
        // And one in the UN Security Council Consolidated List's XML layout.
        try write(Self.unSanctionsList, "un-consolidated.xml")
        // The configuration goes last: its presence means the folder is complete.
        try write(Self.configuration(listen: listen, adminListen: adminListen), "remitd.toml")
        return true
    }

    /// Prefunds the demo operators, once: funding carries a fixed reference, and it is skipped
    /// when the prefund already holds money.
    public func fund(_ ledger: Ledger) async throws {
        for member in Self.operators {
            let currency = try Currency(member.currency)
            guard let balance = try ledger.balance(.operatorPrefund(member.id, currency)), balance == 0 else { continue }
            let amount = Money(Money.parseMinorUnits(member.funding, currency)!, currency)
            if case .rejected(let error) = await ledger.apply(.fund(operatorId: member.id, amount: amount,
                                                                    reference: "demo opening balance")) {
                throw error
            }
        }
    }

    /// Fictitious entries: no real person or company is named.
    static let sanctionsList = """
        9001,"DOE-EXAMPLE, Juan Carlos","individual","DEMO",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,"DOB 03 Mar 1970; fictitious demo entry."
        9002,"FICTIONAL TRADING HOUSE LLC","entity","DEMO",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,"Fictitious demo entry."
        9003,"MWANGI-EXAMPLE, Peter Otieno","individual","DEMO",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,"DOB 1981; fictitious demo entry."

        """

    static let sanctionsAliases = """
        9001,1,"aka","EXAMPLE, Johnny",-0-

        """

    /// Fictitious entries in the UN Security Council Consolidated List's XML layout.
    public static let unSanctionsList = """
        <?xml version="1.0" encoding="UTF-8"?>
        <CONSOLIDATED_LIST xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" dateGenerated="2026-11-20T08:00:03.51Z">
          <INDIVIDUALS>
            <INDIVIDUAL>
              <DATAID>990001</DATAID>
              <VERSIONNUM>1</VERSIONNUM>
              <FIRST_NAME>AMARA</FIRST_NAME>
              <SECOND_NAME>OKONKWO-EXAMPLE</SECOND_NAME>
              <THIRD_NAME/>
              <UN_LIST_TYPE>DEMO</UN_LIST_TYPE>
              <REFERENCE_NUMBER>DEi.001</REFERENCE_NUMBER>
              <LISTED_ON>2026-01-15</LISTED_ON>
              <COMMENTS1>Fictitious demo entry.</COMMENTS1>
              <NATIONALITY><VALUE>Nigeria</VALUE></NATIONALITY>
              <LIST_TYPE><VALUE>UN List</VALUE></LIST_TYPE>
              <INDIVIDUAL_ALIAS><QUALITY>Good</QUALITY><ALIAS_NAME>Amara Okonkwo</ALIAS_NAME></INDIVIDUAL_ALIAS>
              <INDIVIDUAL_ALIAS><QUALITY>Low</QUALITY><ALIAS_NAME/></INDIVIDUAL_ALIAS>
              <INDIVIDUAL_ADDRESS><CITY>Mombasa</CITY><COUNTRY>Kenya</COUNTRY></INDIVIDUAL_ADDRESS>
              <INDIVIDUAL_DATE_OF_BIRTH><TYPE_OF_DATE>EXACT</TYPE_OF_DATE><DATE>1979-06-30</DATE></INDIVIDUAL_DATE_OF_BIRTH>
              <INDIVIDUAL_PLACE_OF_BIRTH><CITY>Lagos</CITY><COUNTRY>Nigeria</COUNTRY></INDIVIDUAL_PLACE_OF_BIRTH>
            </INDIVIDUAL>
            <INDIVIDUAL>
              <DATAID>990002</DATAID>
              <VERSIONNUM>2</VERSIONNUM>
              <FIRST_NAME>RODRIGO</FIRST_NAME>
              <SECOND_NAME>VALDÉS</SECOND_NAME>
              <THIRD_NAME>EXAMPLE</THIRD_NAME>
              <UN_LIST_TYPE>DEMO</UN_LIST_TYPE>
              <REFERENCE_NUMBER>DEi.002</REFERENCE_NUMBER>
              <LISTED_ON>2025-03-02</LISTED_ON>
              <NATIONALITY><VALUE>Philippines</VALUE></NATIONALITY>
              <INDIVIDUAL_DATE_OF_BIRTH><TYPE_OF_DATE>BETWEEN</TYPE_OF_DATE><FROM_YEAR>1960</FROM_YEAR><TO_YEAR>1962</TO_YEAR></INDIVIDUAL_DATE_OF_BIRTH>
            </INDIVIDUAL>
          </INDIVIDUALS>
          <ENTITIES>
            <ENTITY>
              <DATAID>990101</DATAID>
              <VERSIONNUM>1</VERSIONNUM>
              <FIRST_NAME>EXAMPLE HARBOUR LOGISTICS</FIRST_NAME>
              <UN_LIST_TYPE>DEMO</UN_LIST_TYPE>
              <REFERENCE_NUMBER>DEe.001</REFERENCE_NUMBER>
              <LISTED_ON>2024-09-09</LISTED_ON>
              <ENTITY_ALIAS><QUALITY>a.k.a.</QUALITY><ALIAS_NAME>Harbour Logistics Example Ltd</ALIAS_NAME></ENTITY_ALIAS>
              <ENTITY_ADDRESS><COUNTRY>Democratic People's Republic of Korea</COUNTRY></ENTITY_ADDRESS>
            </ENTITY>
          </ENTITIES>
        </CONSOLIDATED_LIST>

        """

    /// Reference rates for the demo's corridors, observed now: set at every start, so that the
    /// demo's quotes never run on stale rates.
    public static func rates(now: Int64) -> [ReferenceRate] {
        [("USD", "KES", "129.45"), ("USD", "PHP", "58.10"), ("GBP", "KES", "164.20")].map {
            ReferenceRate(base: try! Currency($0.0), quote: try! Currency($0.1), mid: try! Rate($0.2), asOf: now)
        }
    }

    private func write(_ text: String, _ name: String, secret: Bool = false) throws {
        let file = path(name)
        guard FileManager.default.createFile(atPath: file, contents: Data(text.utf8),
                                             attributes: [.posixPermissions: secret ? 0o600 : 0o644])
        else { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: file]) }
    }

    static func configuration(listen: String, adminListen: String) -> String {
        """
        # remitd demo configuration, written by `remitd --demo` on first start.
        # Every key is described in docs/configuration.md.

        [server]
        listen = "\(listen)"
        certificate = "server.pem"
        private_key = "server.key"
        operator_ca = "ca.pem"
        name = "remitd demo"

        [admin]
        listen = "\(adminListen)"
        socket = "admin.sock"

        [ledger]
        path = "ledger.sqlite"

        # Sanctions screening against small fictitious lists in OFAC's SDN and the UN's layouts.
        [screening]
        sdn_file = "sdn.csv"
        sdn_aliases_file = "sdn-alt.csv"
        un_file = "un-consolidated.xml"
        match_threshold_bps = 9300
        review_threshold_bps = 8500

        [[operator]]
        id = "ACME"
        currency = "USD"

        [[operator]]
        id = "BETA"
        currency = "GBP"

        # United States to Kenya: mobile wallets, the products of a partner MFI, and
        # contributions to hometown associations' projects (docs/projects.md).
        [[corridor]]
        send_country = "US"
        send_currency = "USD"
        payout_country = "KE"
        payout_currency = "KES"
        products = ["mobileWallet", "savingsDeposit", "loanRepayment", "insurancePremium", "educationFund", "projectContribution"]
        minimum = "1.00"
        maximum = "10000.00"
        margin_bps = 100
        max_rate_age_minutes = 1440
        fee_fixed = "1.99"
        fee_bps = 50

        [[corridor]]
        send_country = "US"
        send_currency = "USD"
        payout_country = "PH"
        payout_currency = "PHP"
        products = ["mobileWallet", "cashPickup", "accountCredit"]
        minimum = "1.00"
        maximum = "10000.00"
        margin_bps = 120
        max_rate_age_minutes = 1440
        fee_fixed = "2.49"

        [[corridor]]
        send_country = "GB"
        send_currency = "GBP"
        payout_country = "KE"
        payout_currency = "KES"
        products = ["mobileWallet", "savingsDeposit", "projectContribution"]
        minimum = "1.00"
        maximum = "8000.00"
        margin_bps = 80
        max_rate_age_minutes = 1440
        fatf_threshold = "800.00"
        fee_fixed = "0.99"
        fee_bps = 40

        # Simulated partners: a mobile-money provider and a microfinance institution in Kenya, and
        # a wallet and cash network in the Philippines. Change the *_bps rates to see refusals,
        # payouts in doubt and late answers.
        [[partner]]
        id = "MPESA-KE"
        adapter = "simulated"
        countries = ["KE"]
        currencies = ["KES"]
        products = ["mobileWallet"]
        priority = 1
        latency_ms = 150

        [[partner]]
        id = "KMFI"
        adapter = "simulated"
        countries = ["KE"]
        currencies = ["KES"]
        # accountCredit: the projects' disbursements to the institution's accounts.
        products = ["savingsDeposit", "loanRepayment", "insurancePremium", "educationFund", "accountCredit"]
        priority = 1
        latency_ms = 300

        [[partner]]
        id = "GCASH-PH"
        adapter = "simulated"
        countries = ["PH"]
        currencies = ["PHP"]
        products = ["mobileWallet", "cashPickup", "accountCredit"]
        priority = 1
        latency_ms = 150
        # A cash pickup waits two minutes to be collected; until then the sender may cancel it.
        pickup_wait_ms = 120000

        """
    }
}
