import FleetCore
import FleetHTTP
import Foundation
import TestSupport
import Testing

@testable import Registry

/// Issue #17's auth matrix: every route the registry serves × every credential that must not pass
/// (no token, unknown, wrong scope, another device, revoked admin and device, expired admin,
/// decommissioned device, enrollment token, the right token under a wrong or no scheme) answers its
/// 401 or 403 with the JSON error body, and the registry's exposed state is the same afterwards.
@Suite struct AuthMatrixTests {
    /// The routes anyone may call without a token. Stated here rather than read from the matrix, so making
    /// a route public takes changing this line too.
    static let publicRoutes: Set<String> = ["GET /healthz"]

    @Test func everyRouteRefusesEveryCredentialThatLacksItsRightAndChangesNothing() async throws {
        let fixture = try await AuthMatrixFixture.start()
        let registry = fixture.registry
        let requests = try fixture.requests()
        let served = Self.served(by: registry, coveredBy: requests)

        let watched = [fixture.target, fixture.other, fixture.revokedDevice, fixture.decommissionedDevice].map(\.id)
        let before = try await RegistrySnapshot.take(registry, devices: watched)
        for route in served {
            // A route the matrix lacks is already a failure (`served`); the others still get checked.
            guard let request = requests[route] else { continue }
            for credential in Credential.allCases {
                guard let expected = credential.refusal(on: request.right) else { continue }
                let answer = try await registry.raw(
                    request.method, request.path, token: nil, headers: credential.authorization(for: request.right, in: fixture) + request.headers,
                    body: request.body)
                #expect(answer.status == expected.status, "\(route) with \(credential): \(answer.status) \(answer.text.prefix(200))")
                // A HEAD answer has no body to carry the error.
                if request.method != "HEAD" {
                    let failure = RegistryClient.failure(answer)
                    #expect(failure.code == expected.code, "\(route) with \(credential): \(answer.text.prefix(200))")
                    #expect(answer[header: "content-type"]?.hasPrefix("application/json") == true, "\(route) with \(credential)")
                    #expect(!failure.message.isEmpty, "\(route) with \(credential)")
                }
            }
        }
        let after = try await RegistrySnapshot.take(registry, devices: watched)
        #expect(before == after)
    }

    /// The public set is exactly `publicRoutes`: the matrix's open routes, the paths the authentication
    /// middleware lets through, and the operations docs/openapi.yaml marks `security: []` all agree with it.
    /// Every other route answers 401 without a token (the matrix's `none` column).
    @Test func thePublicRoutesAreExactlyTheStatedOnes() async throws {
        let fixture = try await AuthMatrixFixture.start()
        let requests = try fixture.requests()
        _ = Self.served(by: fixture.registry, coveredBy: requests)
        #expect(Set(requests.filter { $0.value.right == .open }.keys) == Self.publicRoutes)
        #expect(Set(AuthenticationMiddleware.publicPaths.map { "GET \($0)" }) == Self.publicRoutes)
        #expect(try OpenAPISecurity.publicOperations() == Self.publicRoutes)
    }

    /// The matrix means something only if its requests would work for the right caller: each one, sent
    /// with a token holding the route's right exactly, answers 2xx. A write must also change the snapshot
    /// (so the matrix's unchanged snapshot shows no refused write got through) and a read must not. Writes
    /// each get a fresh fixture, because they do change state (one deletes the model another reads).
    @Test func everyMatrixRequestSucceedsForItsRightfulCaller() async throws {
        let readers = try await AuthMatrixFixture.start()
        let served = Self.served(by: readers.registry, coveredBy: try readers.requests())
        for route in served {
            guard let probe = try readers.requests()[route] else { continue }
            let fixture = probe.readsOnly ? readers : try await AuthMatrixFixture.start()
            let request = try #require(try fixture.requests()[route])
            let watched = [fixture.target, fixture.other].map(\.id)
            for token in fixture.rightful(for: request.right) {
                let before = try await RegistrySnapshot.take(fixture.registry, devices: watched)
                let answer = try await fixture.registry.raw(request.method, request.path, token: token, headers: request.headers, body: request.body)
                #expect((200..<300).contains(answer.status), "\(route) by its rightful caller: \(answer.status) \(answer.text.prefix(300))")
                let after = try await RegistrySnapshot.take(fixture.registry, devices: watched)
                if request.readsOnly {
                    #expect(before == after, "\(route) only reads, yet the snapshot changed")
                } else {
                    #expect(before != after, "\(route) by its rightful caller changed nothing the snapshot sees")
                }
            }
        }
    }

    /// The router's own routes, sorted, after checking that the matrix has a request for each and for no other.
    private static func served(by registry: RegistryHarness, coveredBy requests: [String: MatrixRequest]) -> [String] {
        let served = registry.server.routes().table.routes
        for route in served {
            #expect(requests[route] != nil, "\(route) is served but not in the auth matrix: add it to AuthMatrixFixture.requests()")
        }
        #expect(Set(requests.keys).subtracting(served).isEmpty, "the matrix names routes the registry does not serve")
        return served.sorted()
    }
}
