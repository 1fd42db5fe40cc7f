/// Operators that pick, place, order or count elements by position: Gather/Scatter families,
/// TensorScatter, OneHot, CumSum/CumProd, NonZero, Compress, ReverseSequence, TopK, ArgMax/ArgMin, Unique.
enum IndexingOperators {
    static let schemas: [OperatorSchema] = [
        Gather.schema, GatherElements.schema, GatherND.schema,
        ScatterElements.schema, ScatterElements.deprecatedScatterSchema, ScatterND.schema, TensorScatter.schema,
        OneHot.schema, Cumulative.cumSumSchema, Cumulative.cumProdSchema, NonZero.schema, Compress.schema,
        ReverseSequence.schema,
        TopK.schema, ArgExtreme.argMaxSchema, ArgExtreme.argMinSchema, Unique.schema
    ]
}
