import Foundation

/// A CA, a server certificate for localhost and 127.0.0.1, an operator's client certificate, and
/// a second CA with its own client certificate, made with the openssl command line in a fresh
/// temporary folder.
struct TestCertificates {
    let folder: URL

    func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

    static func make() throws -> TestCertificates {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("remit-certs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let script = """
            set -e
            key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
            ca() {
              key "$1.key"
              openssl req -x509 -new -key "$1.key" -out "$1.pem" -days 2 -subj "/CN=$2" \
                -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
            }
            leaf() {  # name, common name, CA, extensions
              key "$1.key"
              openssl req -new -key "$1.key" -out "$1.csr" -subj "/CN=$2"
              printf '%b' "$4" > "$1.ext"
              openssl x509 -req -in "$1.csr" -CA "$3.pem" -CAkey "$3.key" -CAcreateserial -out "$1.pem" \
                -days 2 -extfile "$1.ext" 2>/dev/null
            }
            ca ca "Remit Test Operator CA"
            ca other-ca "Someone Else's CA"
            leaf server localhost ca "subjectAltName=DNS:localhost,IP:127.0.0.1\\nextendedKeyUsage=serverAuth\\n"
            leaf acme ACME ca "extendedKeyUsage=clientAuth\\n"
            leaf intruder ACME other-ca "extendedKeyUsage=clientAuth\\n"
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", script]
        process.currentDirectoryURL = folder
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw CocoaError(.executableLoad, userInfo: [NSLocalizedDescriptionKey: "openssl failed"])
        }
        return TestCertificates(folder: folder)
    }

    func remove() { try? FileManager.default.removeItem(at: folder) }
}
