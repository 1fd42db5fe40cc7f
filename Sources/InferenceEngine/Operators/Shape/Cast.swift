/// Cast and CastLike. `saturate` only matters for float8 targets, which the engine has no type
/// for, so it is accepted and ignored; string and float8/int4 targets are refused at load.
enum Cast {
    static func targetType(_ code: Int, _ context: OperatorBuildContext) throws -> ElementType {
        let type: ElementType
        do { type = try ElementType.from(onnx: Int64(code), context: "Cast target") } catch {
            throw context.unsupported("target type \(code)")
        }
        guard type != .string else { throw context.unsupported("casting to string") }
        return type
    }

    static let schemas: [OperatorSchema] = [
        OperatorSchema("Cast", since: 6) { context in
            guard let code = try context.attributes.int("to") else { throw context.invalid("'to' is required") }
            let type = try targetType(code, context)
            return ClosureOperator { inputs, run in
                [TensorCast.convert(try inputs.required(0, "input"), to: type, context: run)]
            }
        },
        OperatorSchema("CastLike", since: 15) { _ in
            ClosureOperator { inputs, run in
                let target = try inputs.required(1, "target_type").elementType
                return [TensorCast.convert(try inputs.required(0, "input"), to: target, context: run)]
            }
        }
    ]
}
