/// Small checks and conversions shared by operators.
extension Tensor {
    /// The elements of an integer tensor (int32 or int64) as Int: shapes, axes, indices.
    func intValues(_ what: String = "tensor") throws -> [Int] {
        switch elementType {
        case .int64: return UnsafeBufferPointer(start: pointer(as: Int64.self), count: count).map { Int(truncatingIfNeeded: $0) }
        case .int32: return UnsafeBufferPointer(start: pointer(as: Int32.self), count: count).map { Int($0) }
        default: throw OperatorFailure("\(what) must be int32 or int64, got \(elementType)")
        }
    }

    /// The elements of a float tensor of any width as Float (scales, thresholds).
    func floatScalars(_ what: String = "tensor") throws -> [Float] {
        guard elementType.isFloatingPoint else { throw OperatorFailure("\(what) must be floating point, got \(elementType)") }
        return floatValues()
    }

    /// The single element of a scalar or one-element tensor as Double.
    func scalarDouble(_ what: String = "tensor") throws -> Double {
        guard count == 1 else { throw OperatorFailure("\(what) must hold one element, has shape \(shape)") }
        return doubleValues()[0]
    }

    /// Row-major strides.
    var strides: [Int] { Tensor.strides(for: shape) }

    static func strides(for shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        var stride = 1
        for axis in Swift.stride(from: shape.count - 1, through: 0, by: -1) {
            strides[axis] = stride
            stride *= shape[axis]
        }
        return strides
    }

    /// Checks the element type is one of `allowed`.
    func require(_ allowed: Set<ElementType>, _ what: String) throws {
        guard allowed.contains(elementType) else { throw OperatorFailure("\(what) cannot be \(elementType)") }
    }
}

/// Resolves a possibly negative axis against `rank`.
func normalizedAxis(_ axis: Int, rank: Int, _ what: String = "axis") throws -> Int {
    let resolved = axis < 0 ? axis + rank : axis
    guard resolved >= 0, resolved < rank else { throw OperatorFailure("\(what) \(axis) is out of range for rank \(rank)") }
    return resolved
}

extension ElementType {
    static let floats: Set<ElementType> = [.float, .double, .float16, .bfloat16]
    static let signedIntegers: Set<ElementType> = [.int8, .int16, .int32, .int64]
    static let unsignedIntegers: Set<ElementType> = [.uint8, .uint16, .uint32, .uint64]
    static let integers = signedIntegers.union(unsignedIntegers)
    static let numeric = floats.union(integers)
}
