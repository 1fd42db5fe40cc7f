import FleetCore
import FleetHTTP
import Foundation
import TestProcesses
import Testing

/// TLS between the real programs, with a CA made by `openssl` for each test (issue #17): the registry
/// serves HTTPS, fleetctl and the agent verify it (or refuse it, saying why), the registry can require
/// client certificates, and SIGHUP swaps the certificate without dropping a connection.
@Suite(.serialized) struct TLSTests {
    /// A scratch folder with a CA, a registry certificate for 127.0.0.1 and a publisher key.
    struct Setup {
        let directory: URL
        let authority: TestCertificateAuthority
        let server: TestCertificateAuthority.Issued

        init() throws {
            directory = try AgentDaemonProcess.scratchWithKey()
            authority = try TestCertificateAuthority(name: "fleet", in: directory)
            server = try authority.issue("registry")
        }

        func registry(_ certificate: TestCertificateAuthority.Issued? = nil, arguments: [String] = []) throws -> RegistryProcess {
            let identity = certificate ?? server
            let registry = RegistryProcess(dataDirectory: directory.path + "/registry-\(UUID().uuidString.prefix(8))")
            try registry.start(arguments: ["--tls-cert", identity.certificate, "--tls-key", identity.key] + arguments)
            return registry
        }

        func fleetctl(_ registry: RegistryProcess, _ arguments: [String], tls: [String]? = nil, environment: [String: String] = [:]) throws
            -> ProgramRunner.Result
        {
            try ProgramRunner.run(
                "fleetctl",
                arguments + ["--registry", registry.baseURL, "--token-file", registry.dataDirectory + "/admin.token"]
                    + (tls ?? ["--ca", authority.certificate]), in: directory, environment: environment)
        }

        /// `daemon --once` against `registry`, with `arguments` for TLS and labels.
        func agent(_ registry: RegistryProcess, data: String, _ arguments: [String]) throws -> ProgramRunner.Result {
            try ProgramRunner.run(
                "modelfleet-agent",
                [
                    "daemon", "--once", "--data-dir", directory.path + "/" + data, "--registry", registry.baseURL,
                    "--enroll-token", try registry.token("enroll.token"), "--trust", directory.path + "/publisher.pub",
                    "--retry-budget", "2"
                ] + arguments)
        }
    }

    @Test func fleetctlPushesAndAnAgentSyncsOverHTTPS() throws {
        let setup = try Setup()
        defer { try? FileManager.default.removeItem(at: setup.directory) }
        let registry = try setup.registry()
        defer { registry.killHard() }
        #expect(registry.baseURL.hasPrefix("https://127.0.0.1:"))

        let register = try setup.fleetctl(registry, ["keys", "register", "publisher.pub"])
        #expect(register.status == 0, "\(register.stderr)")
        let model = TestPaths.corpus.appendingPathComponent("models/digits-mlp/v1.onnx").path
        let push = try setup.fleetctl(registry, ["push", model, "--model", "digits-mlp", "--version", "1.0.0"])
        #expect(push.status == 0, "\(push.stderr)")
        #expect(try setup.fleetctl(registry, ["assign", "digits-mlp", "--select", "type=gateway"]).status == 0)

        // The agent takes its CA from agent.yaml's ca_file (the flag is used in the mutual TLS test).
        let config = setup.directory.appendingPathComponent("agent.yaml")
        try Data("ca_file: \(setup.authority.certificate)\nlabels:\n  type: gateway\n".utf8).write(to: config)
        let synced = try setup.agent(registry, data: "agent", ["--config", config.path])
        #expect(synced.status == 0, "\(synced.stdout)\(synced.stderr)")
        #expect(synced.stdout.contains("digits-mlp 1.0.0: activated"), "\(synced.stdout)")
        let live = try Data(contentsOf: setup.directory.appendingPathComponent("agent/models/digits-mlp/current/v1.onnx"))
        #expect(live == (try Data(contentsOf: URL(fileURLWithPath: model))))
    }

    @Test func anUnknownCAAWrongHostAndAnExpiredCertificateAreRefusedSayingWhich() throws {
        let setup = try Setup()
        defer { try? FileManager.default.removeItem(at: setup.directory) }

        // Unknown CA: the system store does not hold the test CA.
        let registry = try setup.registry()
        defer { registry.killHard() }
        let untrusted = try setup.fleetctl(registry, ["models", "ls"], tls: [])
        #expect(untrusted.status != 0)
        #expect(untrusted.stderr.contains("the registry's certificate is not trusted (unknown CA)"), "\(untrusted.stderr)")
        let agent = try setup.agent(registry, data: "agent", [])
        #expect(agent.status != 0)
        #expect(agent.stdout.contains("check-in failed") && agent.stdout.contains("is not trusted (unknown CA)"), "\(agent.stdout)")
        // Not retried: a certificate does not become trusted by asking again.
        #expect(!agent.stdout.contains("gave up after"), "\(agent.stdout)")
        // With the CA (here from MODELFLEET_CA), the same registry is fine.
        let trusted = try setup.fleetctl(registry, ["models", "ls"], tls: [], environment: ["MODELFLEET_CA": setup.authority.certificate])
        #expect(trusted.status == 0, "\(trusted.stderr)")

        // A certificate for another host name.
        let elsewhere = try setup.registry(try setup.authority.issue("elsewhere", hosts: ["DNS:registry.example"]))
        defer { elsewhere.killHard() }
        let mismatch = try setup.fleetctl(elsewhere, ["models", "ls"])
        #expect(mismatch.status != 0)
        #expect(mismatch.stderr.contains("the registry's certificate does not match host 127.0.0.1"), "\(mismatch.stderr)")

        // A certificate that expired in 2020.
        let expired = try setup.registry(
            try setup.authority.issue("expired", validity: ["-startdate", "20200101000000Z", "-enddate", "20200102000000Z"]))
        defer { expired.killHard() }
        let old = try setup.fleetctl(expired, ["models", "ls"])
        #expect(old.status != 0)
        #expect(old.stderr.contains("the registry's certificate has expired"), "\(old.stderr)")
    }

    @Test func aRegistryRequiringClientCertificatesRefusesConnectionsWithoutOne() throws {
        let setup = try Setup()
        defer { try? FileManager.default.removeItem(at: setup.directory) }
        let devices = try TestCertificateAuthority(name: "devices", in: setup.directory)
        let registry = try setup.registry(arguments: ["--tls-client-ca", devices.certificate])
        defer { registry.killHard() }
        let device = try devices.issue("device-1", hosts: [], client: true)

        let without = try setup.fleetctl(registry, ["models", "ls"])
        #expect(without.status != 0)
        #expect(without.stderr.contains("the registry requires a client certificate"), "\(without.stderr)")

        // A certificate from a CA the registry does not trust for clients (the server's CA).
        let stranger = try setup.authority.issue("stranger", hosts: [], client: true)
        let refused = try setup.fleetctl(
            registry, ["models", "ls"], tls: ["--ca", setup.authority.certificate, "--client-cert", stranger.certificate, "--client-key", stranger.key])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("the registry refused this client certificate"), "\(refused.stderr)")

        let mutual = ["--ca", setup.authority.certificate, "--client-cert", device.certificate, "--client-key", device.key]
        let accepted = try setup.fleetctl(registry, ["models", "ls"], tls: mutual)
        #expect(accepted.status == 0, "\(accepted.stderr)")
        let agent = try setup.agent(registry, data: "agent", mutual)
        #expect(agent.status == 0, "\(agent.stdout)\(agent.stderr)")
        #expect(FileManager.default.fileExists(atPath: setup.directory.path + "/agent/device.token"))
    }

    @Test func sighupServesANewCertificateToNewConnectionsAndKeepsOpenOnes() async throws {
        let setup = try Setup()
        defer { try? FileManager.default.removeItem(at: setup.directory) }
        // The registry reads its identity from two files that are replaced in place, as a renewal would.
        let certificate = setup.directory.appendingPathComponent("live.crt")
        let key = setup.directory.appendingPathComponent("live.key")
        func install(_ issued: TestCertificateAuthority.Issued) throws {
            for (from, to) in [(issued.certificate, certificate), (issued.key, key)] {
                try? FileManager.default.removeItem(at: to)
                try FileManager.default.copyItem(atPath: from, toPath: to.path)
            }
        }
        try install(setup.server)
        let registry = try setup.registry(TestCertificateAuthority.Issued(certificate: certificate.path, key: key.path))
        defer { registry.killHard() }
        func client(trusting authority: TestCertificateAuthority) -> HTTPClient {
            var options = TransferOptions()
            options.caFile = authority.certificate
            return HTTPClient(options: options)
        }
        let health = HTTPRequest(method: "GET", url: registry.baseURL + "/healthz")

        // A keep-alive connection that trusts only the first CA.
        let open = client(trusting: setup.authority)
        #expect(try await open.send(health).status == 200)

        // The renewed certificate comes from another CA, so which one a connection got is plain to see.
        let renewal = try TestCertificateAuthority(name: "renewal", in: setup.directory)
        try install(try renewal.issue("registry-renewed"))
        kill(registry.process.processIdentifier, SIGHUP)
        let deadline = ContinuousClock.now + .seconds(10)
        var renewed = false
        while !renewed, ContinuousClock.now < deadline {
            renewed = (try? await client(trusting: renewal).send(health).status) == 200
            if !renewed { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(renewed, "no new connection got the renewed certificate: \(registry.errors)")
        #expect(registry.process.isRunning)

        // A new connection trusting only the old CA now sees the new certificate and refuses it...
        await #expect {
            _ = try await client(trusting: setup.authority).send(health)
        } throws: { error in
            (error as? TLSFailure)?.reason == .unknownAuthority
        }
        // ...while the connection opened before the reload still works: it was not dropped, and libcurl
        // reused it (a new connection from this client would have refused the renewed certificate).
        #expect(try await open.send(health).status == 200)

        // A broken renewal (a key that is not the certificate's) keeps the certificate in use.
        try FileManager.default.removeItem(at: key)
        try FileManager.default.copyItem(atPath: setup.server.key, toPath: key.path)
        kill(registry.process.processIdentifier, SIGHUP)
        let logged = ContinuousClock.now + .seconds(10)
        while !registry.errors.contains("kept the TLS certificate in use"), ContinuousClock.now < logged {
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(registry.errors.contains("is not the private key of the certificate"), "\(registry.errors)")
        #expect(try await client(trusting: renewal).send(health).status == 200)
    }

    /// The registry's own handlers sit behind TLS: a stalled handshake meets the header deadline, and a
    /// request NIO cannot parse still gets the API's JSON error, over TLS (`openssl s_client` as the client).
    @Test func deadlinesAndParseErrorAnswersWorkUnderTLS() throws {
        let setup = try Setup()
        defer { try? FileManager.default.removeItem(at: setup.directory) }
        let registry = try setup.registry(arguments: ["--header-timeout", "1"])
        defer { registry.killHard() }
        let port = UInt16(registry.baseURL.split(separator: ":").last ?? "") ?? 0

        // TCP connected, no ClientHello: closed by the header deadline.
        let silent = try HalfSentRequest(port: port, head: "", body: [])
        #expect(silent.isClosed(within: 5))

        let client = SpawnedProcess()
        client.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        client.arguments = ["s_client", "-connect", "127.0.0.1:\(port)", "-CAfile", setup.authority.certificate, "-quiet", "-verify_return_error"]
        let input = Pipe()
        let output = Pipe()
        client.standardInput = input
        client.standardOutput = output
        client.standardError = FileHandle.nullDevice
        try client.run()
        // A control character in the path: refused by NIO's parser, answered by ParseErrorResponder.
        input.fileHandleForWriting.write(Data("GET /v1/models\u{1}x HTTP/1.1\r\nHost: registry\r\n\r\n".utf8))
        let answer = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        client.waitUntilExit()
        #expect(answer.hasPrefix("HTTP/1.1 400"), "\(answer)")
        #expect(answer.contains(#""code":"bad_request""#) && answer.contains("malformed HTTP request"), "\(answer)")
    }

    /// Over the connection limit, a TLS connection is closed before its handshake ends (the JSON 503
    /// cannot reach it): the client sees a network failure, retried like any other, never a TLS verdict.
    @Test func theConnectionLimitHoldsUnderTLS() async throws {
        let setup = try Setup()
        defer { try? FileManager.default.removeItem(at: setup.directory) }
        let registry = try setup.registry(arguments: ["--max-connections", "1"])
        defer { registry.killHard() }
        let port = UInt16(registry.baseURL.split(separator: ":").last ?? "") ?? 0
        var options = TransferOptions()
        options.caFile = setup.authority.certificate
        let health = HTTPRequest(method: "GET", url: registry.baseURL + "/healthz")
        do {
            let holder = try HalfSentRequest(port: port, head: "", body: [])
            try await Task.sleep(for: .milliseconds(200))
            await #expect {
                _ = try await HTTPClient(options: options).send(health)
            } throws: { error in
                error is TransportError
            }
            withExtendedLifetime(holder) {}
        }
        // The held connection is closed: the slot is free again.
        let deadline = ContinuousClock.now + .seconds(5)
        var served = false
        while !served, ContinuousClock.now < deadline {
            served = (try? await HTTPClient(options: options).send(health).status) == 200
            if !served { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(served)
    }

    @Test func aNonLoopbackBindNeedsTLSOrInsecureHTTP() async throws {
        let setup = try Setup()
        defer { try? FileManager.default.removeItem(at: setup.directory) }
        let data = setup.directory.path + "/plain"
        let refused = try ProgramRunner.run("modelfleet-registry", ["--data-dir", data, "--bind", "0.0.0.0:0"])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("refusing to serve plain HTTP on 0.0.0.0:0, which is not a loopback address"), "\(refused.stderr)")
        #expect(!FileManager.default.fileExists(atPath: data + "/admin.token"), "nothing is written before the refusal")

        let insecure = RegistryProcess(dataDirectory: data)
        try insecure.start(arguments: ["--bind", "0.0.0.0:0", "--insecure-http"])
        defer { insecure.killHard() }
        #expect(insecure.baseURL.hasPrefix("http://0.0.0.0:"))
        #expect(insecure.errors.contains("serving plain HTTP on 0.0.0.0:0, which is not a loopback address (--insecure-http)"), "\(insecure.errors)")
        let port = insecure.baseURL.split(separator: ":").last.map(String.init) ?? ""
        #expect(try await HTTPClient().send(HTTPRequest(method: "GET", url: "http://127.0.0.1:\(port)/healthz")).status == 200)

        // With TLS the same bind is fine.
        let secure = try setup.registry(arguments: ["--bind", "0.0.0.0:0"])
        defer { secure.killHard() }
        #expect(secure.baseURL.hasPrefix("https://0.0.0.0:"))
    }

    @Test func unusableCertificateFilesStopTheStartWithOneLine() throws {
        let setup = try Setup()
        defer { try? FileManager.default.removeItem(at: setup.directory) }
        let other = try setup.authority.issue("other")
        let cases: [([String], String)] = [
            (["--tls-cert", setup.directory.path + "/missing.crt", "--tls-key", setup.server.key], "cannot read \(setup.directory.path)/missing.crt"),
            (["--tls-cert", setup.server.certificate, "--tls-key", other.key], "is not the private key of the certificate"),
            (["--tls-cert", setup.server.certificate, "--tls-key", setup.server.certificate], "holds no PEM private key"),
            (["--tls-cert", setup.server.certificate], "--tls-cert (tls.cert_file) needs --tls-key")
        ]
        for (arguments, expected) in cases {
            let data = setup.directory.path + "/data-\(UUID().uuidString.prefix(8))"
            let result = try ProgramRunner.run("modelfleet-registry", ["--data-dir", data, "--bind", "127.0.0.1:0"] + arguments)
            #expect(result.status != 0)
            let lines = result.stderr.split(separator: "\n")
            #expect(lines.count == 1 && result.stderr.contains(expected), "\(arguments): \(result.stderr)")
            #expect(!FileManager.default.fileExists(atPath: data + "/admin.token"))
        }
    }

    @Test func theAgentRefusesAPlainHTTPRegistryOffLoopbackUnlessAllowed() throws {
        let directory = try AgentDaemonProcess.scratchWithKey()
        defer { try? FileManager.default.removeItem(at: directory) }
        func once(_ arguments: [String]) throws -> ProgramRunner.Result {
            try ProgramRunner.run(
                "modelfleet-agent",
                [
                    "daemon", "--once", "--data-dir", directory.path + "/agent", "--registry", "http://192.0.2.10:8080", "--enroll-token", "t",
                    "--trust", directory.path + "/publisher.pub", "--connect-timeout", "1", "--retry-budget", "1"
                ] + arguments)
        }
        let refused = try once([])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("refusing the plain-http registry 'http://192.0.2.10:8080', which is not on loopback"), "\(refused.stderr)")
        // Allowed, it tries (and, with nothing at that address, fails to connect).
        let allowed = try once(["--insecure-http"])
        #expect(allowed.status != 0)
        #expect(!allowed.stderr.contains("refusing") && allowed.stdout.contains("check-in failed"), "\(allowed.stdout)\(allowed.stderr)")
    }
}
