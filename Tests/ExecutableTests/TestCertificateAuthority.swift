import Foundation
import TestProcesses

/// A real certificate authority made with the `openssl` command in a scratch folder, and the
/// certificates it signs: what an operator would make for a private fleet, so the registry, libcurl
/// and NIOSSL are tested against ordinary X.509 files rather than anything shaped for the tests.
///
/// `openssl ca` signs (not `openssl x509 -req`): it accepts explicit validity dates, which is how an
/// already expired certificate is made (OpenSSL 3.0's `x509` has no `-not_after`).
struct TestCertificateAuthority {
    let directory: URL
    let name: String
    var certificate: String { directory.appendingPathComponent("\(name)-ca.crt").path }
    var key: String { directory.appendingPathComponent("\(name)-ca.key").path }
    private var home: URL { directory.appendingPathComponent("\(name)-ca") }

    /// A certificate and its key, as PEM files.
    struct Issued {
        var certificate: String
        var key: String
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Makes the CA (a P-256 key and a self-signed certificate valid for 30 days) under `directory`.
    init(name: String, in directory: URL) throws {
        self.directory = directory
        self.name = name
        try FileManager.default.createDirectory(at: home.appendingPathComponent("issued"), withIntermediateDirectories: true)
        try Data().write(to: home.appendingPathComponent("index.txt"))
        try Data("1000\n".utf8).write(to: home.appendingPathComponent("serial"))
        try Data(configuration.utf8).write(to: home.appendingPathComponent("openssl.cnf"))
        try Self.openssl([
            "req", "-x509", "-config", home.appendingPathComponent("openssl.cnf").path, "-extensions", "authority",
            "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "30",
            "-subj", "/CN=ModelFleet test CA \(name)", "-keyout", key, "-out", certificate
        ])
    }

    /// Signs a new key for `hosts` (subjectAltName entries such as `IP:127.0.0.1`, `DNS:localhost`).
    /// `client`: a client certificate (mutual TLS) instead of a server one. `validity`: `openssl ca`
    /// dates, e.g. `["-startdate", "20200101000000Z", "-enddate", "20200102000000Z"]` for an expired one.
    func issue(_ leaf: String, hosts: [String] = ["IP:127.0.0.1", "DNS:localhost"], client: Bool = false, validity: [String] = ["-days", "7"]) throws
        -> Issued
    {
        let issued = Issued(
            certificate: directory.appendingPathComponent("\(leaf).crt").path, key: directory.appendingPathComponent("\(leaf).key").path)
        let request = directory.appendingPathComponent("\(leaf).csr").path
        try Self.openssl([
            "req", "-new", "-config", home.appendingPathComponent("openssl.cnf").path, "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
            "-nodes", "-subj", "/CN=\(leaf)", "-keyout", issued.key, "-out", request
        ])
        let extensions = home.appendingPathComponent("\(leaf).ext")
        var lines = [
            "basicConstraints = CA:FALSE", "keyUsage = critical, digitalSignature",
            "extendedKeyUsage = \(client ? "clientAuth" : "serverAuth")"
        ]
        if !hosts.isEmpty { lines.append("subjectAltName = " + hosts.joined(separator: ", ")) }
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: extensions)
        try Self.openssl(
            [
                "ca", "-batch", "-notext", "-config", home.appendingPathComponent("openssl.cnf").path, "-in", request, "-out", issued.certificate,
                "-extfile", extensions.path
            ] + validity)
        return issued
    }

    /// The smallest `openssl ca` set-up: a database, a serial, any subject, extensions from `-extfile`.
    private var configuration: String {
        """
        [ ca ]
        default_ca = test_ca
        [ test_ca ]
        database = \(home.path)/index.txt
        new_certs_dir = \(home.path)/issued
        serial = \(home.path)/serial
        certificate = \(certificate)
        private_key = \(key)
        default_md = sha256
        policy = any_subject
        unique_subject = no
        [ any_subject ]
        commonName = supplied
        [ req ]
        distinguished_name = subject
        prompt = no
        [ subject ]
        CN = unused
        [ authority ]
        basicConstraints = critical, CA:TRUE
        keyUsage = critical, keyCertSign, cRLSign
        subjectKeyIdentifier = hash

        """
    }

    private static func openssl(_ arguments: [String]) throws {
        let process = SpawnedProcess()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = arguments
        let errors = Pipe()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errors
        try process.run()
        let said = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failure(description: "openssl \(arguments.joined(separator: " ")) failed: \(String(decoding: said, as: UTF8.self))")
        }
    }
}
