/// What `--version` prints for each program: its release, the commit it was built from, the engine's version.
public enum BuildInfo {
    /// ModelFleet's release; the wire format and API have their own versions (`docs/artifact-format.md`, `/v1`).
    public static let version = "0.1.0"
    /// Short git commit, `+changes` when the tree had uncommitted changes, `unknown` outside a checkout.
    public static let commit = generatedCommit

    /// The inference engine's version in this release (`EngineInfo.version`; `VersionFlagTests` keeps the two equal).
    /// Stated here so that fleetctl and the registry, which do not link the engine, can print it.
    public static let engineVersion = "0.1.0"

    /// `fleetctl 0.1.0 (commit 4396e41a0b2c, engine 0.1.0)`.
    public static func versionLine(program: String, engine: String = engineVersion) -> String {
        "\(program) \(version) (commit \(commit), engine \(engine))"
    }
}
