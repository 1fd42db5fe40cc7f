/// Recurrent layers: RNN, GRU, LSTM (opset 7 semantics onward; opset 14 added `layout`, which is
/// read whenever present).
enum RecurrentOperators {
    static let schemas: [OperatorSchema] = [
        OperatorSchema("RNN", since: 7) { context in
            try RecurrentLayerOperator(cell: RNNCell(), context: context)
        },
        OperatorSchema("GRU", since: 7) { context in
            let linearBeforeReset = try context.attributes.int("linear_before_reset", default: 0) != 0
            return try RecurrentLayerOperator(cell: GRUCell(linearBeforeReset: linearBeforeReset), context: context)
        },
        OperatorSchema("LSTM", since: 7) { context in
            let inputForget = try context.attributes.int("input_forget", default: 0) != 0
            return try RecurrentLayerOperator(cell: LSTMCell(inputForget: inputForget), context: context)
        }
    ]
}
