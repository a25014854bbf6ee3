import ArgumentParser
import Foundation
import RemitGateway
import X509

/// `remitctl certs`: the gateway's certificate authority for operators' client certificates and
/// its own server certificate. The CA's folder holds `ca.pem`, `ca.key` (mode 0600) and
/// `issued.json`, the register of what it issued and revoked, from which every revocation list
/// is made again whole. Keep the folder on a machine few can reach; remitd needs only `ca.pem`
/// (`operator_ca`) and the CRL (`crl`). docs/operations.md has rotation and revocation.
struct CertsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "certs",
        abstract: "A certificate authority for operators and the gateway: init-ca, issue-server, issue-operator, revoke, crl, list.",
        subcommands: [InitCA.self, IssueServer.self, IssueOperator.self, Revoke.self, RenewCRL.self, List.self])

    struct Folder: ParsableArguments {
        @Option(help: ArgumentHelp("The CA's folder (default: $REMIT_CA_DIR, else /etc/remitd/ca).", valueName: "folder"))
        var dir = ProcessInfo.processInfo.environment["REMIT_CA_DIR"] ?? "/etc/remitd/ca"

        func path(_ name: String) -> String { (dir as NSString).appendingPathComponent(name) }

        func authority() throws -> CertificateAuthority {
            guard let certificate = try? String(contentsOfFile: path("ca.pem"), encoding: .utf8),
                  let key = try? String(contentsOfFile: path("ca.key"), encoding: .utf8) else {
                throw CommandFailure("no CA in \(dir) (ca.pem and ca.key): run `remitctl certs init-ca --dir \(dir)` first", exitCode: 66)
            }
            do { return try CertificateAuthority.load(certificatePEM: certificate, privateKeyPEM: key) } catch {
                throw CommandFailure("the CA in \(dir) cannot be used: \(error)", exitCode: 65)
            }
        }

        func register() throws -> [IssuedCertificate] {
            guard let data = FileManager.default.contents(atPath: path("issued.json")) else { return [] }
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .iso8601
            do { return try decoder.decode([IssuedCertificate].self, from: data) } catch {
                throw CommandFailure("\(path("issued.json")) cannot be read: \(error)", exitCode: 65)
            }
        }

        func save(_ register: [IssuedCertificate]) throws {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            encoder.dateEncodingStrategy = .iso8601
            try writeFile(path("issued.json"), try encoder.encode(register), mode: 0o644, replacing: true)
        }
    }

    /// One certificate the CA issued, as its register keeps it.
    struct IssuedCertificate: Codable, Hashable {
        var serial: String
        var kind: String
        var name: String
        var notAfter: Date
        var certificate: String
        var revokedAt: Date?
        var reason: String?
    }

    struct CRLOptions: ParsableArguments {
        @Option(help: ArgumentHelp("Where to write the revocation list (default: operators.crl in the CA's folder); point it at remitd's `crl` file.",
                                   valueName: "file"))
        var crl: String?
        @Option(help: "How long the revocation list is valid for, in days (1 to 366).") var crlDays = 30

        func validate() throws {
            guard (1...366).contains(crlDays) else { throw ValidationError("--crl-days must be 1 to 366") }
        }

        /// Writes a list of every revoked serial, signed now; returns its path.
        func write(_ authority: CertificateAuthority, _ register: [IssuedCertificate], _ folder: Folder) throws -> String {
            let path = crl ?? folder.path("operators.crl")
            let serials = register.filter { $0.revokedAt != nil }.compactMap { hexBytes($0.serial) }
            try writeFile(path, Data(try authority.revocationList(revoking: serials, days: crlDays).utf8), mode: 0o644, replacing: true)
            return path
        }
    }

    struct InitCA: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "init-ca", abstract: "Create the CA: a P-256 key and a self-signed certificate, and an empty revocation list.",
            discussion: "Exit codes: 0 created; 64 usage; 73 a CA exists in the folder already (never replaced) or it cannot be written.")
        @OptionGroup var folder: Folder
        @OptionGroup var crl: CRLOptions
        @Option(help: "The CA's common name.") var name = "Remit Gateway Operator CA"
        @Option(help: "Valid for this many days (30 to 7300).") var days = 3_650

        func validate() throws {
            guard (30...7_300).contains(days) else { throw ValidationError("--days must be 30 to 7300") }
            try checkName(name)
        }

        func run() throws {
            try reporting {
                guard !FileManager.default.fileExists(atPath: folder.path("ca.key")) else {
                    throw CommandFailure("\(folder.path("ca.key")) exists already: a CA is never replaced", exitCode: 73)
                }
                do {
                    try FileManager.default.createDirectory(atPath: folder.dir, withIntermediateDirectories: true,
                                                            attributes: [.posixPermissions: 0o700])
                } catch {
                    throw CommandFailure("cannot create \(folder.dir): \(error.localizedDescription)", exitCode: 73)
                }
                let authority = try CertificateAuthority.create(name: name, validFor: days)
                try writeFile(folder.path("ca.key"), Data(authority.privateKeyPEM.utf8), mode: 0o600)
                try writeFile(folder.path("ca.pem"), Data(try authority.certificatePEM.utf8), mode: 0o644)
                try folder.save([])
                let crlPath = try crl.write(authority, [], folder)
                print("""
                    CA "\(name)" created in \(folder.dir), valid until \(day(authority.certificate.notValidAfter))
                      certificate  \(folder.path("ca.pem"))   -> remitd's operator_ca, and operators' trust root
                      key          \(folder.path("ca.key"))   (0600: keep it where few can reach)
                      CRL          \(crlPath)
                    """)
            }
        }
    }

    struct IssueServer: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "issue-server", abstract: "Issue the gateway's server certificate, for its host names and addresses.",
            discussion: "Writes server.pem and server.key (0600) in --out. Exit codes: 0 issued; 64 usage; 66 no CA; 73 a file exists already (never replaced).")
        @OptionGroup var folder: Folder
        @Option(name: .customLong("host"), help: "A DNS name operators connect to (repeat for more).") var hosts: [String] = []
        @Option(name: .customLong("ip"), help: "An IP address operators connect to (repeat for more).") var addresses: [String] = []
        @Option(help: "Valid for this many days (1 to 825).") var days = 397
        @Option(help: ArgumentHelp("The folder to write server.pem and server.key in.", valueName: "folder")) var out = "."

        func validate() throws {
            guard !hosts.isEmpty || !addresses.isEmpty else { throw ValidationError("give at least one --host or --ip") }
            guard (1...825).contains(days) else { throw ValidationError("--days must be 1 to 825") }
            for host in hosts where !isHostName(host) { throw ValidationError("\(host) is not a DNS name") }
            for address in addresses where ipBytes(address) == nil { throw ValidationError("\(address) is not an IPv4 or IPv6 address") }
        }

        func run() throws {
            try reporting {
                let authority = try folder.authority()
                let issued = try authority.issue(commonName: hosts.first ?? addresses[0],
                                                 usage: .server(hostnames: hosts, addresses: addresses.compactMap(ipBytes)), days: days)
                try writeIssued(issued, kind: "server", name: hosts.first ?? addresses[0], files: "server", out: out, folder: folder)
            }
        }
    }

    struct IssueOperator: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "issue-operator", abstract: "Issue an operator's client certificate; its common name is the operator's id.",
            discussion: """
                Writes NAME.pem and NAME.key (0600) in --out, for the operator's systems. NAME is the \
                operator's `id` in remitd.toml (or its `certificate_name`). To rotate, issue a new one \
                while the old is still valid, let the operator switch, then revoke the old one. Exit \
                codes: 0 issued; 64 usage; 66 no CA; 73 a file exists already (never replaced).
                """)
        @OptionGroup var folder: Folder
        @Argument(help: "The operator's id, as its certificate's common name.") var name: String
        @Option(help: "Valid for this many days (1 to 825).") var days = 397
        @Option(help: ArgumentHelp("The folder to write NAME.pem and NAME.key in.", valueName: "folder")) var out = "."

        func validate() throws {
            guard (1...825).contains(days) else { throw ValidationError("--days must be 1 to 825") }
            guard (1...32).contains(name.utf8.count), name.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "/") }) else {
                throw ValidationError("\(name) is not an operator id (1 to 32 printable ASCII characters, no spaces or /)")
            }
        }

        func run() throws {
            try reporting {
                let issued = try folder.authority().issue(commonName: name, usage: .client, days: days)
                try writeIssued(issued, kind: "operator", name: name, files: name, out: out, folder: folder)
            }
        }
    }

    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Revoke a certificate by its serial number (or its first 8 or more hex digits) and write the revocation list again.",
            discussion: """
                Then put the list where remitd's `crl` points (--crl does it directly) and run \
                `systemctl reload remitd`: new connections with the certificate fail the TLS handshake. \
                Exit codes: 0 revoked (or revoked already); 1 no such serial, or it matches several; 64 usage; 66 no CA.
                """)
        @OptionGroup var folder: Folder
        @OptionGroup var crl: CRLOptions
        @Argument(help: "The serial number in hex, as `certs list` shows it.") var serial: String
        @Option(help: "Why, for the register (at most 200 characters).") var reason = "unspecified"

        func validate() throws {
            guard serial.count >= 8, hexBytes(serial.count % 2 == 0 ? serial : "0" + serial) != nil else {
                throw ValidationError("\(serial) is not a serial number: 8 or more hex digits")
            }
            guard reason.count <= 200 else { throw ValidationError("--reason is longer than 200 characters") }
        }

        func run() throws {
            try reporting {
                let authority = try folder.authority()
                var register = try folder.register()
                let wanted = serial.lowercased()
                let matches = register.indices.filter { register[$0].serial.hasPrefix(wanted) }
                guard matches.count == 1, let index = matches.first else {
                    throw CommandFailure(matches.isEmpty ? "no certificate with serial \(serial) in \(folder.dir)"
                                         : "\(serial) matches \(matches.count) certificates: give more digits", exitCode: 1)
                }
                if register[index].revokedAt == nil {
                    register[index].revokedAt = Date()
                    register[index].reason = reason
                    try folder.save(register)
                }
                let path = try crl.write(authority, register, folder)
                let entry = register[index]
                print("revoked \(entry.kind) \(entry.name) serial \(entry.serial); revocation list of \(register.filter { $0.revokedAt != nil }.count) written to \(path)")
                print("next: copy it to remitd's `crl` file if it is not there, then `systemctl reload remitd`")
            }
        }
    }

    struct RenewCRL: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "crl", abstract: "Sign the revocation list again with a new validity period (before its next update falls due).",
            discussion: "Exit codes: 0 written; 64 usage; 66 no CA.")
        @OptionGroup var folder: Folder
        @OptionGroup var crl: CRLOptions

        func run() throws {
            try reporting {
                let register = try folder.register()
                let path = try crl.write(try folder.authority(), register, folder)
                print("revocation list of \(register.filter { $0.revokedAt != nil }.count) written to \(path), valid for \(crl.crlDays) days")
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "What the CA issued: serial, kind, name, expiry, days left, revocation.",
            discussion: "Exit codes: 0 listed; 66 no CA.")
        @OptionGroup var folder: Folder
        @Flag(help: "JSON for scripts.") var json = false

        func run() throws {
            try reporting {
                _ = try folder.authority()
                let register = try folder.register()
                let now = Date()
                if json {
                    let rows: [[String: Any]] = register.map { entry in
                        var row: [String: Any] = ["serial": entry.serial, "kind": entry.kind, "name": entry.name,
                                                  "notAfter": day(entry.notAfter), "certificate": entry.certificate,
                                                  "daysLeft": Int(entry.notAfter.timeIntervalSince(now) / 86_400),
                                                  "revoked": entry.revokedAt != nil]
                        if let revokedAt = entry.revokedAt { row["revokedAt"] = day(revokedAt) }
                        if let reason = entry.reason { row["reason"] = reason }
                        return row
                    }
                    let data = try JSONSerialization.data(withJSONObject: rows, options: [.prettyPrinted, .sortedKeys])
                    print(String(decoding: data, as: UTF8.self))
                    return
                }
                var table = [["SERIAL", "KIND", "NAME", "NOT AFTER", "DAYS LEFT", "REVOKED"]]
                for entry in register {
                    table.append([entry.serial, entry.kind, entry.name, day(entry.notAfter),
                                  String(Int(entry.notAfter.timeIntervalSince(now) / 86_400)),
                                  entry.revokedAt.map { "\(day($0)) \(entry.reason ?? "")" } ?? ""])
                }
                let widths = (0..<table[0].count).map { column in table.map { $0[column].count }.max() ?? 0 }
                for row in table {
                    print(row.enumerated().map { $0.element.padding(toLength: widths[$0.offset], withPad: " ", startingAt: 0) }
                        .joined(separator: "  ").trimmingCharacters(in: .whitespaces))
                }
            }
        }
    }
}

/// Writes the certificate and its key beside each other and records them in the CA's register.
private func writeIssued(_ issued: CertificateAuthority.Issued, kind: String, name: String, files: String, out: String,
                         folder: CertsCommand.Folder) throws {
    let pem = (out as NSString).appendingPathComponent("\(files).pem"), key = (out as NSString).appendingPathComponent("\(files).key")
    for path in [pem, key] where FileManager.default.fileExists(atPath: path) {
        throw CommandFailure("\(path) exists already: an issued file is never replaced (give another --out)", exitCode: 73)
    }
    do { try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true) } catch {
        throw CommandFailure("cannot create \(out): \(error.localizedDescription)", exitCode: 73)
    }
    try writeFile(key, Data(issued.privateKeyPEM.utf8), mode: 0o600)
    try writeFile(pem, Data(issued.certificatePEM.utf8), mode: 0o644)
    let certificate = try Certificate(pemEncoded: issued.certificatePEM)
    let serial = hexString(issued.serialNumber)
    var register = try folder.register()
    register.append(.init(serial: serial, kind: kind, name: name, notAfter: certificate.notValidAfter,
                          certificate: (pem as NSString).standardizingPath))
    try folder.save(register)
    print("""
        issued \(kind) certificate for \(name), serial \(serial), valid until \(day(certificate.notValidAfter))
          certificate  \(pem)
          key          \(key)   (0600)
        """)
}

/// Writes a file with `mode`; without `replacing`, an existing file is an error, never overwritten.
private func writeFile(_ path: String, _ data: Data, mode: Int, replacing: Bool = false) throws {
    if !replacing, FileManager.default.fileExists(atPath: path) {
        throw CommandFailure("\(path) exists already: never replaced", exitCode: 73)
    }
    let temporary = path + ".new"
    guard FileManager.default.createFile(atPath: temporary, contents: data, attributes: [.posixPermissions: mode]) else {
        throw CommandFailure("cannot write \(path)", exitCode: 73)
    }
    _ = chmod(temporary, mode_t(mode))  // the umask may have taken bits off
    guard rename(temporary, path) == 0 else {
        unlink(temporary)
        throw CommandFailure("cannot write \(path): \(String(cString: strerror(errno)))", exitCode: 73)
    }
}

/// Letters, digits, hyphens and dots (a leading `*.` for a wildcard), at most 253 bytes.
private func isHostName(_ host: String) -> Bool {
    let bytes = Array(host.utf8)
    guard (1...253).contains(bytes.count) else { return false }
    let body = host.hasPrefix("*.") ? bytes.dropFirst(2) : bytes[...]
    return !body.isEmpty && body.allSatisfy { byte in
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte | 0x20) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
            || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
    }
}

private func checkName(_ name: String) throws {
    guard (1...64).contains(name.count), !name.contains(where: \.isNewline) else { throw ValidationError("--name must be 1 to 64 characters on one line") }
}

private func day(_ date: Date) -> String { String(ISO8601DateFormatter().string(from: date).prefix(10)) }

private func hexString(_ bytes: [UInt8]) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var text = [UInt8]()
    for byte in bytes { text += [digits[Int(byte >> 4)], digits[Int(byte & 15)]] }
    return String(decoding: text, as: UTF8.self)
}

private func hexBytes(_ text: String) -> [UInt8]? {
    let utf8 = Array(text.lowercased().utf8)
    guard !utf8.isEmpty, utf8.count % 2 == 0 else { return nil }
    func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        default: nil
        }
    }
    var bytes = [UInt8]()
    for index in stride(from: 0, to: utf8.count, by: 2) {
        guard let high = nibble(utf8[index]), let low = nibble(utf8[index + 1]) else { return nil }
        bytes.append(high << 4 | low)
    }
    return bytes
}

private func ipBytes(_ text: String) -> [UInt8]? {
    var v4 = in_addr(), v6 = in6_addr()
    if inet_pton(AF_INET, text, &v4) == 1 { return withUnsafeBytes(of: v4) { Array($0) } }
    if inet_pton(AF_INET6, text, &v6) == 1 { return withUnsafeBytes(of: v6) { Array($0) } }
    return nil
}
