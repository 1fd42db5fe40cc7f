// libFuzzer entry point for manifests and the registry API's JSON bodies, with FleetCore compiled whole:
//   1. as a manifest received by an agent or the registry: `TrustedPublishers.verify` (size limit,
//      strict parse, typed decode, `ManifestValidator`, publisher lookup, Ed25519 signature check)
//      against the key that signed seeds/manifest-wire/manifest.json; a manifest that decodes is
//      encoded again (`ManifestCoding.encode`), which must decode to the same manifest;
//   2. as a trust document (`TrustChain.accept` from a fixed root: parse, typed decode, key parsing,
//      signature over the domain-separated canonical bytes); one that is accepted is encoded again and
//      must decode to the same document;
//   3. as a request or response body: the registry's order (`JSONParser` under the 1 MiB body limit,
//      `WireLimits.check`, then `JSONDecoder`) into every Codable type of Sources/FleetCore/Wire.
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

private let trusted: TrustedPublishers = {
    let pem = """
        -----BEGIN PUBLIC KEY-----
        MCowBQYDK2VwAyEAYB9D3Fh64GofhkB+dgdSxjKyUazfB7HgrSo5yzPy3pA=
        -----END PUBLIC KEY-----
        """
    guard let key = try? PublisherPublicKey(pem: pem) else { fatalError("the fuzz target's pinned key does not parse") }
    return TrustedPublishers([key])
}()

private let wireTypes: [any Decodable.Type] = [
    IncompatibleModel.self, DeviceVersionHealth.self, DeviceSummary.self, DeviceDetail.self, VersionHealth.self,
    FleetStatus.self, AuditEntry.self, DeviceList.self, DeviceLabels.self, AuditLog.self, AssignmentRequest.self,
    Assignment.self, AssignmentList.self, ErrorResponse.self, TokenRequest.self, CreatedToken.self,
    PublisherRegistration.self, RegisteredKeyID.self, RegisteredPublisher.self, PublisherList.self,
    DeviceProfile.self, EnrollmentResponse.self, InstalledModel.self, InferenceStats.self, InstallReport.self,
    CheckinRequest.self, DesiredModel.self, CheckinResponse.self, DeviceEvent.self, EventBatch.self,
    EventsAccepted.self, RecordedEvent.self, EventList.self, RolloutGates.self, RolloutRequest.self, Rollout.self,
    RolloutStageHealth.self, RolloutStatus.self, RollbackRequest.self, RolloutList.self, MissingChunksRequest.self,
    StoredChunkForm.self, MissingChunksResponse.self, ModelSummary.self, VersionSummary.self, ModelList.self,
    VersionList.self, Manifest.self, RollbackDirective.self, TrustDocument.self, TrustSummary.self,
]

/// A seed document (seeds/manifest-wire/trust.json) is signed by the key whose seed is all 7s.
private let trustRoot: PublisherPublicKey = {
    guard let key = try? PublisherPrivateKey(seed: [UInt8](repeating: 7, count: 32)) else { fatalError("the fuzz target's root does not derive") }
    return key.publicKey
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzManifestWire(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    _ = try? trusted.verify(bytes)
    if let (manifest, _) = try? ManifestCoding.decode(bytes) {
        guard let encoded = try? ManifestCoding.encode(manifest) else { fatalError("a decoded manifest does not encode") }
        guard let (again, _) = try? ManifestCoding.decode(encoded) else {
            fatalError("a decoded manifest's encoding does not decode: \(String(decoding: encoded, as: UTF8.self))")
        }
        guard again == manifest else { fatalError("a manifest's encoding decodes to another manifest") }
    }
    var chain = TrustChain(root: trustRoot)
    if let accepted = try? chain.accept(bytes) {
        guard let encoded = try? TrustDocumentCoding.encode(accepted), let again = try? TrustDocumentCoding.decode(encoded), again == accepted else {
            fatalError("an accepted trust document does not survive encoding")
        }
    }
    guard let document = try? JSONParser.parse(bytes, limits: .init(maximumBytes: 1 << 20)),
        (try? WireLimits.check(document)) != nil
    else { return 0 }
    let body = Data(bytes)
    for type in wireTypes {
        _ = try? JSONDecoder().decode(type, from: body)
    }
    return 0
}
