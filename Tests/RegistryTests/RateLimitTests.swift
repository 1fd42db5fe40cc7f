import FleetCore
import FleetHTTP
import Foundation
import TestSupport
import Testing

@testable import Registry

/// Guessing tokens and bulk enrollment are limited per client address: 429 with Retry-After.
@Suite struct RateLimitTests {
    @Test func anAddressThatKeepsFailingAuthenticationIsHeldOff() async throws {
        // Two a minute: a token comes back every 30 s, so a slow machine (a full test run took 117 s for this
        // test) cannot refill the bucket between the guesses and the held request, as it could at 5 (every 12 s).
        let registry = try await RegistryHarness.start { $0.limits.authFailuresPerMinute = 2 }
        for attempt in 1...2 {
            let guess = try await registry.raw("GET", "/v1/models", token: "mf_admin_guess\(attempt)")
            #expect(guess.status == 401)
        }
        // The third request is refused before its token is looked up, even a good one.
        let held = try await registry.raw("GET", "/v1/models", token: registry.adminToken)
        #expect(held.status == 429)
        let retryAfter = try #require(held[header: "retry-after"].flatMap { Int($0) })
        #expect(retryAfter >= 1 && retryAfter <= 30)
        #expect(RegistryClient.failure(held).code == "rate_limited")
        #expect(RegistryClient.failure(held).message.contains("too many failed authentications from 127.0.0.1"))
        // Health probes stay answered: monitoring must not read a guesser's hold as an outage.
        #expect(try await registry.raw("GET", "/healthz", token: nil).status == 200)
    }

    /// The shipped default (30 a minute), not a test's setting, is what turns a guesser's 401s into 429s
    /// (and why the auth matrix, which fails hundreds of times on purpose, raises it).
    ///
    /// The bucket refills one failure every 2 s, so on a loaded machine a slow run of guesses earns a few
    /// more: the 429 must come after at least 30 failures and at most 30 plus what the elapsed time refilled.
    @Test func theDefaultLimitHoldsOffAGuesserAfterThirtyFailures() async throws {
        let registry = try await RegistryHarness.start()
        let limit = registry.server.configuration.limits.authFailuresPerMinute
        #expect(limit == 30)
        let clock = ContinuousClock()
        let start = clock.now
        var failures = 0
        var held: FleetHTTP.HTTPResponse?
        while held == nil, failures < 2 * limit {
            let guess = try await registry.raw("GET", "/v1/models", token: BearerToken.generate(kind: .admin))
            if guess.status == 429 {
                held = guess
            } else {
                #expect(guess.status == 401, "guess \(failures + 1): \(guess.status)")
                failures += 1
            }
        }
        let refilled = Int((clock.now - start).components.seconds) / 2 + 1
        let answer = try #require(held, "no 429 after \(failures) failed authentications")
        #expect((limit...(limit + refilled)).contains(failures), "held off after \(failures) failures (\(refilled) refilled)")
        #expect(RegistryClient.failure(answer).code == "rate_limited")
        #expect(RegistryClient.failure(answer).message.contains("over 30 a minute"))
        // Less than one failure is saved up, and one refills every 2 s.
        let retryAfter = try #require(answer[header: "retry-after"].flatMap { Int($0) })
        #expect((1...2).contains(retryAfter))
    }

    @Test func successfulRequestsCostNothing() async throws {
        let registry = try await RegistryHarness.start { $0.limits.authFailuresPerMinute = 2 }
        for _ in 0..<20 {
            #expect(try await registry.raw("GET", "/v1/models", token: registry.adminToken).status == 200)
        }
    }

    @Test func enrollmentsPerAddressAreLimited() async throws {
        let registry = try await RegistryHarness.start { $0.limits.enrollmentsPerMinute = 3 }
        let profile = DeviceProfile(arch: "x86_64", ramBytes: 1 << 30, diskBytes: 1 << 30, engineVersion: "1")
        let body = Array(try JSONEncoder().encode(profile))
        for _ in 0..<3 {
            #expect(try await registry.raw("POST", "/v1/devices/enroll", token: registry.enrollToken, body: body).status == 201)
        }
        let refused = try await registry.raw("POST", "/v1/devices/enroll", token: registry.enrollToken, body: body)
        #expect(refused.status == 429)
        // A token refills every 20 s; on a loaded machine part of it may have refilled already.
        let retryAfter = try #require(refused[header: "retry-after"].flatMap { Int($0) })
        #expect((1...20).contains(retryAfter))
        #expect(RegistryClient.failure(refused).message == "too many enrollments from 127.0.0.1 (over 3 a minute); retry in \(retryAfter) s")
        // Other requests from the address are not affected.
        #expect(try await registry.raw("GET", "/v1/models", token: registry.adminToken).status == 200)
    }
}

/// Behind a reverse proxy every request comes from the proxy: its `X-Forwarded-For` names the client,
/// but only when the operator trusts that proxy.
@Suite struct TrustedProxyTests {
    func guess(_ registry: RegistryHarness, from client: String?) async throws -> Int {
        let headers = client.map { [(name: "X-Forwarded-For", value: "\($0), 127.0.0.1")] } ?? []
        return try await registry.raw("GET", "/v1/models", token: BearerToken.generate(kind: .admin), headers: headers).status
    }

    @Test func aTrustedProxysClientsAreHeldOffOneByOne() async throws {
        let registry = try await RegistryHarness.start {
            $0.limits.authFailuresPerMinute = 3
            $0.trustedProxies = ["127.0.0.1"]
        }
        for _ in 1...3 { #expect(try await guess(registry, from: "10.0.0.1") == 401) }
        #expect(try await guess(registry, from: "10.0.0.1") == 429)
        // Another device behind the same proxy keeps its own budget.
        #expect(try await guess(registry, from: "10.0.0.2") == 401)
        let held = try await registry.raw(
            "GET", "/v1/models", token: registry.adminToken, headers: [(name: "X-Forwarded-For", value: "10.0.0.1")])
        #expect(held.status == 429)
        #expect(RegistryClient.failure(held).message.contains("too many failed authentications from 10.0.0.1"))
    }

    @Test func anUntrustedPeerCannotChooseItsAddress() async throws {
        let registry = try await RegistryHarness.start { $0.limits.authFailuresPerMinute = 3 }
        for client in ["10.0.0.1", "10.0.0.2", "10.0.0.3"] { #expect(try await guess(registry, from: client) == 401) }
        // A fourth address in the header changes nothing: the peer, 127.0.0.1, spent its budget.
        #expect(try await guess(registry, from: "10.0.0.4") == 429)
    }

    @Test func trustedProxiesMustBeAddresses() throws {
        var configuration = RegistryConfiguration()
        #expect(throws: RegistryConfiguration.Invalid.self) { try configuration.apply(yaml: "http:\n  trusted_proxies: nginx.local\n", source: "r.yaml") }
        try configuration.apply(yaml: "http:\n  trusted_proxies: \"127.0.0.1, ::1\"\n", source: "r.yaml")
        #expect(configuration.trustedProxies == ["127.0.0.1", "::1"])
    }
}
