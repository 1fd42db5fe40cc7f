/// Operators of the ai.onnx.ml domain.
enum MachineLearningOperators {
    static let schemas: [OperatorSchema] = [
        OperatorSchema("ArrayFeatureExtractor", domain: "ai.onnx.ml", since: 1) { _ in
            ClosureOperator { inputs, context in
                [try ArrayFeatureExtractor.run(inputs.required(0, "X"), inputs.required(1, "Y"), context: context)]
            }
        },
        OperatorSchema("Binarizer", domain: "ai.onnx.ml", since: 1) { context in
            let threshold = Double(try context.attributes.float("threshold", default: 0))
            return ClosureOperator { inputs, run in [try Binarizer.run(inputs.required(0, "X"), threshold: threshold, context: run)] }
        }
    ]
}
