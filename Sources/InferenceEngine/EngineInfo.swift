/// What a device reports about its engine at enrollment, so the registry can pick a variant it can run.
///
/// The engine itself (loader, graph, operators) lands with the inference-engine issues; until then
/// it supports no operators and says so, rather than claiming a capability it lacks.
public enum EngineInfo {
    /// Bumped whenever the set of supported operators or numeric behaviour changes.
    public static let version = "0.0.0"

    /// `domain::OpType` names this build can execute. Empty until the engine lands.
    public static let supportedOperators: [String] = []
}
