/// Normalization operators: batch, layer, RMS, instance, group, Lp, mean-variance and local
/// response normalization.
enum NormalizationOperators {
    static let schemas: [OperatorSchema] = [
        // Opset 6 dropped `consumed_inputs`; 7-8 still have `spatial`, 14-15 `training_mode`.
        OperatorSchema("BatchNormalization", since: 6) { try BatchNormalizationOperator($0) },
        OperatorSchema("LayerNormalization", since: 17) { try LayerNormalizationOperator($0, centered: true) },
        OperatorSchema("RMSNormalization", since: 23) { try LayerNormalizationOperator($0, centered: false) },
        OperatorSchema("InstanceNormalization", since: 6) { try GroupNormalizationOperator($0, instance: true) },
        OperatorSchema("GroupNormalization", since: 18) { try GroupNormalizationOperator($0, instance: false) },
        OperatorSchema("LpNormalization") { try LpNormalizationOperator($0) },
        // Opset 1 had `across_channels` and `normalize_variance` instead of `axes`.
        OperatorSchema("MeanVarianceNormalization", since: 9) { try MeanVarianceNormalizationOperator($0) },
        OperatorSchema("LRN") { try LocalResponseNormalizationOperator($0) }
    ]
}
