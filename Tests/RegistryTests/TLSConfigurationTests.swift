import Registry
import Testing

/// The TLS settings through every layer (YAML, environment), and what the listener decides from them.
@Suite struct TLSConfigurationTests {
    @Test func tlsSettingsComeFromTheFileAndTheEnvironment() throws {
        var configuration = RegistryConfiguration()
        try configuration.apply(yaml: "tls:\n  cert_file: /etc/r.crt\n  key_file: /etc/r.key\n", source: "registry.yaml")
        try configuration.apply(environment: ["MODELFLEET_TLS_CLIENT_CA_FILE": "/etc/ca.crt", "MODELFLEET_HTTP_INSECURE_HTTP": "true"])
        #expect(configuration.tls.certificateFile == "/etc/r.crt" && configuration.tls.keyFile == "/etc/r.key")
        #expect(configuration.tls.clientCAFile == "/etc/ca.crt" && configuration.insecureHTTP)
        #expect {
            try configuration.apply(environment: ["MODELFLEET_HTTP_INSECURE_HTTP": "maybe"])
        } throws: { error in
            "\(error)" == "http.insecure_http must be true or false, got 'maybe'"
        }
    }

    @Test(arguments: ["127.0.0.1:8080", "localhost:0", "[::1]:8080"])
    func plainHTTPOnLoopbackNeedsNoCertificate(_ bind: String) throws {
        var configuration = RegistryConfiguration()
        configuration.bind = bind
        guard case .loopback = try ListenerSecurity(configuration) else {
            Issue.record("\(bind) is loopback")
            return
        }
    }

    @Test(arguments: ["0.0.0.0:8080", "[::]:8080", "10.0.0.5:80", "registry.example:8080"])
    func plainHTTPElsewhereIsRefusedUnlessInsecure(_ bind: String) throws {
        var configuration = RegistryConfiguration()
        configuration.bind = bind
        #expect {
            _ = try ListenerSecurity(configuration)
        } throws: { error in
            "\(error)".hasPrefix("refusing to serve plain HTTP on \(bind), which is not a loopback address")
        }
        configuration.insecureHTTP = true
        guard case .insecure = try ListenerSecurity(configuration) else {
            Issue.record("\(bind) with insecure_http")
            return
        }
    }

    @Test func halfATLSConfigurationIsRefused() {
        var configuration = RegistryConfiguration()
        configuration.tls.clientCAFile = "/etc/ca.crt"
        #expect(throws: RegistryConfiguration.Invalid.self) { try ListenerSecurity(configuration) }
        configuration.tls.keyFile = "/etc/r.key"
        #expect(throws: RegistryConfiguration.Invalid.self) { try ListenerSecurity(configuration) }
    }
}
