/// Operators that run subgraphs: If, Loop, Scan.
enum ControlFlowOperators {
    static let schemas: [OperatorSchema] = [
        OperatorSchema("If", since: 1) { context in try IfOperator(context: context) },
        OperatorSchema("Loop", since: 1) { context in try LoopOperator(context: context) },
        OperatorSchema("Scan", since: 9) { context in try ScanOperator(context: context) }
    ]
}
