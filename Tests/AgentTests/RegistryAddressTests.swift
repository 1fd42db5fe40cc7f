import Agent
import FleetCore
import Testing

/// Which registry URLs the agent accepts: https anywhere, plain http only on loopback unless allowed.
@Suite struct RegistryAddressTests {
    @Test(arguments: ["http://127.0.0.1:8080", "http://localhost:8080/", "http://[::1]:8080", "http://127.8.9.10", "https://registry.example"])
    func acceptedWithoutInsecureHTTP(_ url: String) throws {
        try RegistryAddress.check(url, allowInsecureHTTP: false)
    }

    @Test(arguments: ["http://registry.example:8080", "http://10.0.0.5", "http://0.0.0.0:8080", "http://127.0.0.1.example", "http://localhost@evil.example/"])
    func plainHTTPOffLoopbackIsRefusedUnlessAllowed(_ url: String) throws {
        #expect {
            try RegistryAddress.check(url, allowInsecureHTTP: false)
        } throws: { error in
            "\(error)".contains("which is not on loopback") && "\(error)".contains("--insecure-http")
        }
        try RegistryAddress.check(url, allowInsecureHTTP: true)
    }

    @Test func loopbackIsDecidedOnTheTextNeverByResolving() {
        #expect(LoopbackHost.contains("127.0.0.1") && LoopbackHost.contains("LOCALHOST") && LoopbackHost.contains("[::1]"))
        #expect(!LoopbackHost.contains("0.0.0.0") && !LoopbackHost.contains("::") && !LoopbackHost.contains("127.0.0.256"))
        #expect(LoopbackHost.host(ofURL: "https://user:pw@[::1]:8443/v1") == "[::1]")
        #expect(LoopbackHost.host(ofURL: "http://registry.example:80/x") == "registry.example")
    }
}
