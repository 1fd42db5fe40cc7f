/// Every operator the engine implements, by domain and type. Each operator family declares its
/// schemas in its own file; this table only gathers them.
enum OperatorRegistry {
    static let families: [[OperatorSchema]] = [
        ElementwiseOperators.schemas,
        ActivationOperators.schemas,
        ComparisonOperators.schemas,
        ShapeOperators.schemas,
        IndexingOperators.schemas,
        ReductionOperators.schemas,
        LinearAlgebraOperators.schemas,
        ConvolutionOperators.schemas,
        PoolingOperators.schemas,
        NormalizationOperators.schemas,
        RecurrentOperators.schemas,
        ControlFlowOperators.schemas,
        ResizeOperators.schemas,
        QuantizationOperators.schemas,
        DetectionOperators.schemas,
        MachineLearningOperators.schemas,
        LossOperators.schemas,
        AttentionOperators.schemas,
        SpatialOperators.schemas,
        SignalOperators.schemas
    ]

    static let byKey: [String: OperatorSchema] = {
        var table: [String: OperatorSchema] = [:]
        for family in families {
            for schema in family { table[schema.key] = schema }
        }
        return table
    }()

    static func schema(domain: String, name: String) -> OperatorSchema? {
        byKey[OperatorSchema.key(domain: domain, name: name)]
    }

    /// `domain:Op` names, sorted; what agents report so the registry can match required ops.
    static var supportedNames: [String] {
        byKey.values.map { ($0.domain.isEmpty ? "ai.onnx" : $0.domain) + ":" + $0.name }.sorted()
    }
}
