/// The `output_datatype` attribute of operators that make a tensor from scalars (windows, mel
/// matrices): any numeric type, float32 by default. The values are computed in float64 and
/// converted as Cast would.
enum GeneratedOutputType {
    static func parse(_ context: OperatorBuildContext) throws -> ElementType {
        let code = try context.attributes.int("output_datatype", default: Int(ElementType.float.rawValue))
        guard let raw = Int32(exactly: code), let type = ElementType(rawValue: raw) else {
            throw context.unsupported("output_datatype \(code)")
        }
        guard ElementType.numeric.contains(type) else { throw context.invalid("output_datatype must be numeric, got \(type)") }
        return type
    }

    /// `values` as a tensor of `type` and `shape`.
    static func tensor(_ values: [Double], shape: [Int], type: ElementType, context: ExecutionContext) throws -> Tensor {
        let wide = try context.allocate(.double, shape)
        let destination = wide.mutablePointer(as: Double.self)
        for i in 0..<min(values.count, wide.count) { destination[i] = values[i] }
        return TensorCast.convert(wide, to: type, context: context)
    }
}
