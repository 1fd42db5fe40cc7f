import FleetCore
import Foundation
import Testing

@testable import Registry

/// Check-then-write changes made at the same moment through two store instances on the same data (two
/// replicas): exactly one wins and the other is refused, as SQLite's single writer orders them.
@Suite struct ConcurrentStoreTests {
    typealias S = StoreSamples

    @Test(arguments: StoreKind.allCases)
    func twoRolloutsOfOneModelAtOnceOneWins(_ kind: StoreKind) async throws {
        let location = try await StoreLocation.fresh(kind)
        defer { location.remove() }
        let (first, second) = (try await location.open(), try await location.open())
        for round in 0..<10 {
            let model = "m\(round)"
            async let a = AsyncResult.attempt { try await first.createRollout(S.rollout("a\(round)", model: model), superseding: false, audit: S.audit("c")) }
            async let b = AsyncResult.attempt { try await second.createRollout(S.rollout("b\(round)", model: model), superseding: false, audit: S.audit("c")) }
            let results = await [a, b]
            #expect(results.filter { if case .success = $0 { true } else { false } }.count == 1, "round \(round)")
            for case .failure(let error) in results { #expect((error as? StorageError)?.isConflict == true, "round \(round): \(error)") }
            #expect(try await first.rollouts().filter { $0.model == model && $0.state.isInFlight }.count == 1)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func twoCommitsOfOneVersionAtOnceOneWins(_ kind: StoreKind) async throws {
        let location = try await StoreLocation.fresh(kind)
        defer { location.remove() }
        let (first, second) = (try await location.open(), try await location.open())
        _ = try await first.recordChunk(S.chunk(0))
        for round in 0..<10 {
            let version = try S.version("m", SemanticVersion(major: UInt64(round + 1), minor: 0, patch: 0), chunks: [0])
            async let a = AsyncResult.attempt { try await first.insertVersion(version, audit: S.audit("commit")) }
            async let b = AsyncResult.attempt { try await second.insertVersion(version, audit: S.audit("commit")) }
            let results = await [a, b]
            #expect(results.filter { if case .success = $0 { true } else { false } }.count == 1, "round \(round)")
            for case .failure(let error) in results { #expect(error as? StorageError == StoreRefusals.versionExists(version), "round \(round): \(error)") }
        }
        #expect(try await first.versions(of: "m").count == 10)
        #expect(try await first.audit(since: nil).count == 10)
    }

    /// Two replicas flushing check-ins of the same devices at once (a load balancer spreads a device's requests):
    /// both flushes succeed, with no deadlock between them, and every device ends with one of the two sightings.
    @Test(arguments: StoreKind.allCases)
    func overlappingCheckinFlushesFromTwoReplicasBothSucceed(_ kind: StoreKind) async throws {
        let location = try await StoreLocation.fresh(kind)
        defer { location.remove() }
        let (first, second) = (try await location.open(), try await location.open())
        let ids = (0..<200).map { String(format: "d%03d", $0) }
        for id in ids { try await first.insertDevice(S.device(id)) }
        for round in 0..<5 {
            func batch(at offset: Int64) -> [CheckinRecord] {
                ids.map { id in
                    let install = InstallReport(model: "m", version: S.v1, result: .ok, selfTest: .passed)
                    let stats = InferenceStats(model: "m", version: S.v1, count: UInt64(offset), errors: 0)
                    return CheckinRecord(
                        deviceID: id, at: S.at(offset), report: CheckinRequest(installed: [], state: "idle", stats: [stats], installs: [install]))
                }
            }
            let (early, late) = (batch(at: Int64(round * 10 + 1)), batch(at: Int64(round * 10 + 2)))
            async let a = AsyncResult.attempt { try await first.recordCheckins(early) }
            async let b = AsyncResult.attempt { try await second.recordCheckins(late.reversed()) }
            for result in await [a, b] {
                if case .failure(let error) = result { Issue.record("round \(round): a flush failed: \(error)") }
            }
            let seen = Set(try await first.devices().compactMap(\.lastSeenAt))
            #expect(seen.isSubset(of: [S.at(Int64(round * 10 + 1)), S.at(Int64(round * 10 + 2))]) && !seen.isEmpty, "round \(round)")
            #expect(try await first.health(model: "m").count == ids.count)
        }
    }

    /// Two operators revoking the only two admin tokens at once: one revocation must be refused.
    @Test(arguments: StoreKind.allCases)
    func twoRevocationsCannotLeaveNoAdminToken(_ kind: StoreKind) async throws {
        for round in 0..<5 {
            let location = try await StoreLocation.fresh(kind)
            defer { location.remove() }
            let (first, second) = (try await location.open(), try await location.open())
            let (x, y) = (S.token("x\(round)"), S.token("y\(round)"))
            try await first.insertToken(x, audit: nil)
            try await first.insertToken(y, audit: nil)
            async let a = AsyncResult.attempt { try await first.revokeToken(hashPrefix: x.hash, audit: S.audit("revoke")) }
            async let b = AsyncResult.attempt { try await second.revokeToken(hashPrefix: y.hash, audit: S.audit("revoke")) }
            let results = await [a, b]
            #expect(results.filter { if case .success = $0 { true } else { false } }.count == 1, "round \(round)")
            #expect(try await first.tokens().filter { $0.isWorkingAdmin(at: S.now) }.count == 1, "round \(round)")
        }
    }
}
