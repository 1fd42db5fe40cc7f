/// Shape arithmetic shared by the shape operators: checked element counts for shapes that come
/// from input data, and axis lists that must be valid and distinct.
enum ShapeMath {
    /// The element count of `shape`, failing on negative dimensions, overflow or a size over
    /// `CheckedShape.maximumBytes`.
    @discardableResult
    static func checkedCount(_ shape: [Int], width: Int, _ op: String) throws -> Int {
        switch CheckedShape.size(shape, elementWidth: width) {
        case .success(let size): return size.count
        case .failure(let refusal): throw OperatorFailure("\(op): output \(refusal)")
        }
    }

    /// Resolves possibly negative `axes` against `rank`, rejecting out-of-range and repeated axes.
    static func axes(_ axes: [Int], rank: Int, _ op: String) throws -> [Int] {
        var seen = Set<Int>()
        return try axes.map { axis in
            let resolved = axis < 0 ? axis &+ rank : axis
            guard resolved >= 0, resolved < rank else { throw OperatorFailure("\(op): axis \(axis) is out of range for rank \(rank)") }
            guard seen.insert(resolved).inserted else { throw OperatorFailure("\(op): axis \(axis) is repeated in \(axes)") }
            return resolved
        }
    }

    /// An axis in `-rank...rank-1`, for operators whose axis comes from an attribute.
    static func axis(_ axis: Int, rank: Int, _ op: String) throws -> Int {
        try axes([axis], rank: rank, op)[0]
    }

    /// The product of `shape[range]`, which the caller knows does not overflow (it is part of a
    /// tensor that exists).
    static func product(_ shape: ArraySlice<Int>) -> Int { shape.reduce(1, &*) }
}

extension Tensor {
    /// The values of a 1-D (or scalar) int32/int64 input such as `shape`, `axes`, `pads`.
    func intList(_ what: String) throws -> [Int] {
        guard rank <= 1 else { throw OperatorFailure("\(what) must be 1-D, has shape \(shape)") }
        return try intValues(what)
    }

    /// The single value of a scalar or one-element integer input.
    func intScalar(_ what: String) throws -> Int {
        let values = try intValues(what)
        guard values.count == 1 else { throw OperatorFailure("\(what) must hold one value, has shape \(shape)") }
        return values[0]
    }
}

/// Where an operator's integer list comes from: an attribute before the opset that turned it into
/// an input, the input afterwards.
enum IntListSource: Sendable {
    case none
    case attribute([Int])
    case input(Int)

    /// Reads the attribute when `opset < inputSince`, else refers to input `index`.
    static func from(
        _ context: OperatorBuildContext, attribute name: String, inputSince: Int,
        inputIndex: Int
    ) throws -> IntListSource {
        if context.opset < inputSince {
            return try context.attributes.ints(name).map { .attribute($0) } ?? .none
        }
        guard inputIndex < context.node.inputs.count, !context.node.inputs[inputIndex].isEmpty else { return .none }
        return .input(inputIndex)
    }

    /// The list for one run, nil when the operator's default applies.
    func resolve(_ inputs: [Tensor?], _ what: String) throws -> [Int]? {
        switch self {
        case .none: return nil
        case .attribute(let values): return values
        case .input(let index): return try inputs.optional(index)?.intList(what)
        }
    }
}
