/// The attributes both class losses share, parsed once at load.
struct ClassLossAttributes: Sendable {
    /// How per-element losses become the output.
    enum Reduction: String, Sendable {
        /// The loss of every (n, d1, ..., dk) position, shaped like the target.
        case none
        case sum
        /// The sum divided by the total weight of the positions not ignored (their count when
        /// there are no class weights), so ignored positions do not dilute the average.
        case mean
    }

    let reduction: Reduction
    /// Target value whose positions contribute nothing (neither loss nor weight). It may lie
    /// outside 0..<C, which is how models mark padding.
    let ignoreIndex: Int?

    init(context: OperatorBuildContext) throws {
        let name = try context.attributes.string("reduction", default: "mean")
        guard let reduction = Reduction(rawValue: name) else {
            throw context.invalid("reduction must be none, sum or mean, got '\(name)'")
        }
        self.reduction = reduction
        ignoreIndex = try context.attributes.int("ignore_index")
    }
}
