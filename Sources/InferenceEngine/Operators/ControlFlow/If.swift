/// If: runs one of two subgraphs on a scalar condition; the chosen branch's outputs are the node's.
struct IfOperator: Operator {
    let thenBranch: Subgraph
    let elseBranch: Subgraph

    init(context: OperatorBuildContext) throws {
        thenBranch = try Subgraph(attribute: "then_branch", context: context)
        elseBranch = try Subgraph(attribute: "else_branch", context: context)
        guard thenBranch.outputCount == elseBranch.outputCount else {
            throw context.invalid("then_branch has \(thenBranch.outputCount) outputs, else_branch \(elseBranch.outputCount)")
        }
        guard context.node.outputs.count <= thenBranch.outputCount else {
            throw context.invalid("the node names \(context.node.outputs.count) outputs, the branches produce \(thenBranch.outputCount)")
        }
    }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        let condition = try inputs.required(0, "cond")
        guard condition.count == 1, condition.elementType != .string else {
            throw OperatorFailure("If condition must hold one element, has \(condition.elementType)\(condition.shape)")
        }
        let branch = try condition.scalarDouble("If condition") != 0 ? thenBranch : elseBranch
        return try branch.run([], captures: branch.captures(from: inputs), context: context)
    }
}
