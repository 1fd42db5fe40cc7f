/// Element and byte counts of shapes that come from outside the engine: an HTTP body, an ONNX
/// file, a TensorProto file. Every product is checked, so a hostile shape such as
/// `[4294967296, 4294967296]` is refused with a message instead of trapping the process.
///
/// Operators, tensor decoding and the agent's local API all use this one type.
public enum CheckedShape {
    /// Largest tensor accepted from data (16 GiB): a bogus dimension must fail cleanly, not try to
    /// allocate or exhaust memory.
    public static let maximumBytes = 1 << 34

    /// Why a shape was refused, for the caller to word in its own error type.
    public enum Refusal: Error, Equatable, Sendable, CustomStringConvertible {
        case negativeDimension(shape: [Int])
        case overflow(shape: [Int])
        case tooLarge(shape: [Int], elementWidth: Int)

        public var description: String {
            switch self {
            case .negativeDimension(let shape): "shape \(shape) has a negative dimension"
            case .overflow(let shape): "shape \(shape) has more elements than a 64-bit count can hold"
            case .tooLarge(let shape, let width):
                "shape \(shape) of \(width)-byte elements needs more than \(CheckedShape.maximumBytes) bytes (16 GiB), the largest tensor accepted"
            }
        }
    }

    /// The element count of `shape` (1 for a scalar), or why it cannot exist.
    public static func elementCount(_ shape: [Int]) -> Result<Int, Refusal> {
        var count = 1
        for dimension in shape {
            guard dimension >= 0 else { return .failure(.negativeDimension(shape: shape)) }
            let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
            guard !overflow else { return .failure(.overflow(shape: shape)) }
            count = product
        }
        return .success(count)
    }

    /// The element count and byte size of a tensor of `shape` with `elementWidth`-byte elements,
    /// refused when either overflows or the bytes exceed `maximumBytes`.
    public static func size(_ shape: [Int], elementWidth: Int) -> Result<(count: Int, bytes: Int), Refusal> {
        elementCount(shape).flatMap { count in
            let (bytes, overflow) = count.multipliedReportingOverflow(by: max(elementWidth, 1))
            guard !overflow, bytes <= maximumBytes else { return .failure(.tooLarge(shape: shape, elementWidth: elementWidth)) }
            return .success((count, bytes))
        }
    }
}
