/// Ordering and arithmetic for operators that compare or combine elements (TopK, ArgMax, Unique,
/// CumSum, scatter reductions). `NumericElement` leaves out bool and bfloat16; both widen exactly
/// (to uint8 and float32), so results narrowed back are identical to computing natively.
enum ComparableView {
    /// `tensor` in a type `dispatchNumeric` accepts.
    static func widened(_ tensor: Tensor, context: ExecutionContext) -> Tensor {
        switch tensor.elementType {
        case .bool: TensorCast.convert(tensor, to: .uint8, context: context)
        case .bfloat16: TensorCast.convert(tensor, to: .float, context: context)
        default: tensor
        }
    }

    /// A result computed on `widened` values, back in the input's element type.
    static func restored(_ tensor: Tensor, to type: ElementType, context: ExecutionContext) -> Tensor {
        TensorCast.convert(tensor, to: type, context: context)
    }
}

/// A total order in which NaN sorts after every number and equals other NaNs, as numpy sorts;
/// the plain `<` on floats is not a strict weak order once NaN appears, which sorting requires.
enum NaNLastOrder {
    @inline(__always)
    static func less<T: NumericElement>(_ a: T, _ b: T) -> Bool {
        if a.isNaNValue { return false }
        if b.isNaNValue { return true }
        return a < b
    }

    @inline(__always)
    static func equal<T: NumericElement>(_ a: T, _ b: T) -> Bool {
        a.isNaNValue ? b.isNaNValue : (!b.isNaNValue && a == b)
    }
}
