import FleetCore
import Foundation

/// A committed model version as the OCI Distribution API shows it: an OCI image manifest whose layers are
/// the model's files (whole, as a device assembles them) and whose config carries the signed ModelFleet
/// manifest, so an OCI client copies a version a ModelFleet agent could verify.
///
/// Layers use ORAS's default media type for a plain file (`…layer.v1.tar`, with the file's name in
/// `org.opencontainers.image.title`, which ORAS and KitOps read as the file name), because OCI clients such as
/// skopeo refuse layer media types outside the image spec. The config is an OCI image config, so
/// `skopeo inspect` can read it: labels name the model, version, variant and publisher key, and
/// `dev.modelfleet.manifest` holds the signed manifest's exact bytes in base64 (its signature covers those bytes).
struct OCIArtifact: Sendable {
    static let manifestMediaType = "application/vnd.oci.image.manifest.v1+json"
    static let configMediaType = "application/vnd.oci.image.config.v1+json"
    static let layerMediaType = "application/octet-stream"

    let record: VersionRecord
    let manifest: Manifest
    /// The config blob and the manifest, as served (their digests are what clients ask for and verify).
    let config: [UInt8]
    let manifestBytes: [UInt8]

    var configDigest: Digest { Digest.of(config) }
    var manifestDigest: Digest { Digest.of(manifestBytes) }

    init(_ record: VersionRecord) throws {
        self.record = record
        manifest = try ManifestCoding.decode(record.manifest).manifest
        config = try StableJSON.encodeBytes(
            ImageConfig(
                created: record.committedAt.description,
                config: .init(labels: [
                    "dev.modelfleet.model": record.model, "dev.modelfleet.version": record.version.description,
                    "dev.modelfleet.variant": record.variant, "dev.modelfleet.publisher": record.publisher,
                    "dev.modelfleet.manifest-digest": record.manifestDigest.description
                ]),
                rootfs: .init(diffIDs: manifest.files.map(\.digest.description)),
                manifest: Data(record.manifest).base64EncodedString()))
        let configDescriptor = Descriptor(mediaType: Self.configMediaType, digest: Digest.of(config).description, size: UInt64(config.count))
        manifestBytes = try StableJSON.encodeBytes(
            ImageManifest(
                config: configDescriptor,
                layers: manifest.files.map { file in
                    Descriptor(
                        mediaType: Self.layerMediaType, digest: file.digest.description, size: file.size,
                        annotations: ["org.opencontainers.image.title": file.path])
                },
                annotations: [
                    "org.opencontainers.image.version": record.version.description, "org.opencontainers.image.created": record.committedAt.description,
                    "dev.modelfleet.variant": record.variant
                ]))
    }

    /// The model file whose bytes have `digest`, if this version has one.
    func file(_ digest: Digest) -> Manifest.File? { manifest.files.first { $0.digest == digest } }

    // The JSON shapes of the OCI image spec (member names as the spec spells them).

    struct Descriptor: Encodable {
        var mediaType: String
        var digest: String
        var size: UInt64
        var annotations: [String: String]? = nil
    }

    struct ImageManifest: Encodable {
        var schemaVersion = 2
        var mediaType = OCIArtifact.manifestMediaType
        var config: Descriptor
        var layers: [Descriptor]
        var annotations: [String: String]
    }

    struct ImageConfig: Encodable {
        struct Settings: Encodable {
            var labels: [String: String]
            enum CodingKeys: String, CodingKey { case labels = "Labels" }
        }
        struct RootFS: Encodable {
            var type = "layers"
            var diffIDs: [String]
            enum CodingKeys: String, CodingKey {
                case type
                case diffIDs = "diff_ids"
            }
        }
        var architecture = "unknown"
        var os = "unknown"
        var created: String
        var config: Settings
        var rootfs: RootFS
        var manifest: String

        enum CodingKeys: String, CodingKey {
            case architecture, os, created, config, rootfs
            case manifest = "dev.modelfleet.manifest"
        }
    }
}
