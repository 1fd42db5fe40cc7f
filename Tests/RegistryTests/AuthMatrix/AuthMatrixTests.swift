import FleetCore
import FleetHTTP
import Foundation
import TestSupport
import Testing

/// Issue #17's auth matrix: every route the registry serves × every credential that must not pass
/// (no token, unknown, wrong scope, another device, revoked admin and device, expired admin,
/// decommissioned device, enrollment token) answers its 401 or 403 with the JSON error body, and the
/// registry's exposed state is the same afterwards.
@Suite struct AuthMatrixTests {
    @Test func everyRouteRefusesEveryCredentialThatLacksItsRightAndChangesNothing() async throws {
        let fixture = try await AuthMatrixFixture.start()
        let registry = fixture.registry
        let requests = try fixture.requests()
        let served = registry.server.routes().table.routes
        for route in served {
            #expect(requests[route] != nil, "\(route) is served but not in the auth matrix: add it to AuthMatrixFixture.requests()")
        }
        #expect(Set(requests.keys) == Set(served), "the matrix names routes the registry does not serve")

        let watched = [fixture.target, fixture.other, fixture.revokedDevice, fixture.decommissionedDevice].map(\.id)
        let before = try await RegistrySnapshot.take(registry, devices: watched)
        for route in served.sorted() {
            guard let request = requests[route] else { continue }
            for credential in Credential.allCases {
                guard let expected = credential.refusal(on: request.right) else { continue }
                let answer = try await registry.raw(
                    request.method, request.path, token: credential.token(for: request.right, in: fixture), headers: request.headers, body: request.body)
                let failure = RegistryClient.failure(answer)
                #expect(answer.status == expected.status, "\(route) with \(credential): \(answer.status) \(answer.text.prefix(200))")
                // A HEAD answer has no body to carry the error.
                if request.method != "HEAD" {
                    #expect(failure.code == expected.code, "\(route) with \(credential): \(answer.text.prefix(200))")
                    #expect(answer[header: "content-type"]?.hasPrefix("application/json") == true, "\(route) with \(credential)")
                    #expect(!failure.message.isEmpty, "\(route) with \(credential)")
                }
            }
        }
        let after = try await RegistrySnapshot.take(registry, devices: watched)
        #expect(before == after)
    }

    /// The matrix means something only if its requests would work for the right caller: each one, sent
    /// with a token holding the route's right to a fresh copy of the fixture, answers 2xx. (A fresh copy
    /// each, because these requests do change state: one deletes the model another reads.)
    @Test func everyMatrixRequestSucceedsForItsRightfulCaller() async throws {
        var unused: AuthMatrixFixture? = try await AuthMatrixFixture.start()
        let routes = try #require(unused).registry.server.routes().table.routes.sorted()
        for route in routes {
            let fixture = try await unused ?? AuthMatrixFixture.start()
            unused = nil
            let request = try #require(try fixture.requests()[route], "\(route) is not in the auth matrix")
            for token in fixture.rightful(for: request.right) {
                let answer = try await fixture.registry.raw(request.method, request.path, token: token, headers: request.headers, body: request.body)
                #expect((200..<300).contains(answer.status), "\(route) by its rightful caller: \(answer.status) \(answer.text.prefix(300))")
            }
        }
    }
}
