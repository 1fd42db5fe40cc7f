/// MaxPool's reduction: the first largest value in window order (NaN only when it comes first,
/// as the ONNX reference does) and optionally its flat index.
struct MaxReducer<T: NumericElement>: PoolReducer {
    let values: UnsafeMutablePointer<T>
    let indices: UnsafeMutablePointer<Int64>?
    let planeSize: Int
    let outputPlaneSize: Int

    var initial: (value: T, index: Int) { (T.zero, -1) }

    @inline(__always) func add(_ state: inout (value: T, index: Int), _ value: T, index: Int) {
        if state.index < 0 || value > state.value { state = (value, index) }
    }

    @inline(__always) func finish(_ state: (value: T, index: Int), plane: Int, output: Int, paddedCount: Int) {
        let target = plane * outputPlaneSize + output
        values[target] = state.value
        if let indices { indices[target] = state.index < 0 ? -1 : Int64(plane * planeSize + state.index) }
    }
}

/// AveragePool's reduction: the mean over the pixels inside the input, or over the whole window
/// within the declared padding when padding counts.
struct AverageReducer: PoolReducer {
    let values: UnsafeMutablePointer<Float>
    let outputPlaneSize: Int
    let countIncludePad: Bool

    var initial: (sum: Float, count: Int) { (0, 0) }

    @inline(__always) func add(_ state: inout (sum: Float, count: Int), _ value: Float, index: Int) {
        state.sum += value
        state.count += 1
    }

    @inline(__always) func finish(_ state: (sum: Float, count: Int), plane: Int, output: Int, paddedCount: Int) {
        values[plane * outputPlaneSize + output] = state.sum / Float(countIncludePad ? paddedCount : state.count)
    }
}

/// LpPool's reduction: `(sum |x|^p)^(1/p)` over the pixels inside the input (padding adds zero).
struct LpReducer: PoolReducer {
    let values: UnsafeMutablePointer<Float>
    let outputPlaneSize: Int
    let p: Int

    var initial: Float { 0 }

    @inline(__always) func add(_ state: inout Float, _ value: Float, index: Int) {
        state += LpReducer.power(abs(value), p)
    }

    @inline(__always) func finish(_ state: Float, plane: Int, output: Int, paddedCount: Int) {
        values[plane * outputPlaneSize + output] = LpReducer.root(state, p)
    }

    @inline(__always) static func power(_ x: Float, _ p: Int) -> Float {
        switch p {
        case 1: x
        case 2: x * x
        default: powf(x, Float(p))
        }
    }

    @inline(__always) static func root(_ x: Float, _ p: Int) -> Float {
        switch p {
        case 1: x
        case 2: x.squareRoot()
        default: powf(x, 1 / Float(p))
        }
    }
}
