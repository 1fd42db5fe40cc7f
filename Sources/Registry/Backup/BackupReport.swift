public import FleetCore

/// What `modelfleet-registry backup` and `restore` did, printed for the operator.
public struct BackupReport: Sendable, CustomStringConvertible {
    public var folder: String
    public var manifest: BackupManifest
    /// Chunks recorded but gone from the source that no version referenced (a collection raced the
    /// backup, or an abandoned upload): their records were left out.
    public var dropped: Int
    public var action: String

    public var description: String {
        var text =
            "\(action) \(folder): registry.sqlite (\(manifest.database)), \(manifest.chunks) chunks verified, \(manifest.storedBytes) bytes stored"
        if dropped > 0 { text += "; \(dropped) unreferenced chunk record(s) without bytes left out" }
        if !manifest.damaged.isEmpty {
            text += "\n\(manifest.damaged.count) chunk(s) referenced by committed versions were missing or damaged in the source registry"
            text += " and are held as quarantined (push those versions again to repair): "
            text += manifest.damaged.prefix(10).map(\.description).joined(separator: ", ")
            if manifest.damaged.count > 10 { text += ", …" }
        }
        return text
    }
}
