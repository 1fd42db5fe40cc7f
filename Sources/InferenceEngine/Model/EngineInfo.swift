/// What a device reports about its engine at enrollment, so the registry can pick a variant it can run.
public enum EngineInfo {
    /// Bumped whenever the set of supported operators or numeric behaviour changes.
    public static let version = "0.1.0"

    /// `domain:Op` names this build can execute (`ai.onnx:Conv`, `ai.onnx.ml:ArrayFeatureExtractor`).
    /// The matrix-multiply kernel this build runs (reported by `modelfleet-agent bench`).
    public static var kernel: String { EngineKernels.sgemm }
    /// The int8 GEMM kernel of the quantized operators (also reported by `modelfleet-agent bench`).
    public static var integerKernel: String { EngineKernels.integerGemm }

    public static var supportedOperators: [String] { OperatorRegistry.supportedNames }
}
