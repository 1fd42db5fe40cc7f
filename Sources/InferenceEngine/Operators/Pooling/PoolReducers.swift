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

/// The reduction loop lives with the reducers so each reducer's `add` inlines into it even when
/// the module is compiled file by file.
extension PoolGeometry {
    /// Runs `reducer` over every window of `planes` consecutive input planes.
    @_specialize(where R == AverageReducer)
    @_specialize(where R == LpReducer)
    @_specialize(where R == MaxReducer<Float>)
    @_specialize(where R == MaxReducer<UInt8>)
    @_specialize(where R == MaxReducer<Int8>)
    func reduce<R: PoolReducer>(planes: Int, input: UnsafePointer<R.Element>, _ reducer: R) {
        let a0 = axes[0]
        let a1 = axes[1]
        let a2 = axes[2]
        for plane in 0..<planes {
            let data = input + plane * planeSize
            var output = 0
            for o0 in 0..<a0.outputs {
                for o1 in 0..<a1.outputs {
                    for o2 in 0..<a2.outputs {
                        var state = reducer.initial
                        for j0 in a0.lo[o0]..<a0.hi[o0] {
                            let c0 = a0.base[o0] + j0 * a0.dilation
                            let d0 = c0 * a0.dataStride
                            let i0 = c0 * a0.indexStride
                            for j1 in a1.lo[o1]..<a1.hi[o1] {
                                let c1 = a1.base[o1] + j1 * a1.dilation
                                let d1 = d0 + c1 * a1.dataStride
                                let i1 = i0 + c1 * a1.indexStride
                                let lo = a2.lo[o2]
                                let hi = a2.hi[o2]
                                let base = a2.base[o2]
                                let dilation = a2.dilation
                                for j2 in lo..<hi {
                                    let c2 = base + j2 * dilation
                                    reducer.add(&state, data[d1 + c2 * a2.dataStride], index: i1 + c2 * a2.indexStride)
                                }
                            }
                        }
                        reducer.finish(
                            state, plane: plane, output: output,
                            paddedCount: a0.padded[o0] * a1.padded[o1] * a2.padded[o2])
                        output += 1
                    }
                }
            }
        }
    }
}
