/// Dropout at inference: the output is the input and the mask is all kept. Training mode is random
/// by definition, so a node wired to a `training_mode` input is refused rather than guessed. The
/// `is_test` attribute of opsets before 7 is ignored, as onnxruntime does: this is an inference engine.
enum Dropout {
    static let schemas: [OperatorSchema] = [
        OperatorSchema("Dropout") { context in
            let inputs = context.node.inputs
            if inputs.count > 2, !inputs[2].isEmpty {
                throw context.unsupported("training_mode input (training-mode dropout is random; only inference is supported)")
            }
            let wantsMask = context.node.outputs.count > 1 && !context.node.outputs[1].isEmpty
            // The mask became bool in opset 10; before, it had the data's type.
            let boolMask = context.opset >= 10
            return ClosureOperator { inputs, run in
                let data = try inputs.required(0, "data")
                guard wantsMask else { return [data] }
                let mask = try run.allocate(boolMask ? .bool : data.elementType, data.shape)
                Constants.fill(mask, with: TensorCast.convert(Tensor(scalar: true), to: mask.elementType))
                return [data, mask]
            }
        }
    ]
}
