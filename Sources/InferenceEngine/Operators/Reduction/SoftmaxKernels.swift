/// Softmax-family kernels over an [outer, length, inner] view of the input, normalizing along
/// `length`. Softmax subtracts each slice's maximum before exponentiating so large inputs do not
/// overflow.
enum SoftmaxKernels {
    enum Kind: Sendable { case softmax, logSoftmax, hardmax }

    static func run(_ kind: Kind, _ input: Tensor, layout: AxisLayout, op: String, context: ExecutionContext) throws -> Tensor {
        if FloatWidening.isNarrow(input.elementType) {
            let widened = try run(kind, TensorCast.convert(input, to: .float, context: context), layout: layout, op: op, context: context)
            return TensorCast.convert(widened, to: input.elementType, context: context)
        }
        let output = try context.allocate(input.elementType, input.shape)
        switch input.elementType {
        case .float: run(kind, Float.self, input, output, layout)
        case .double: run(kind, Double.self, input, output, layout)
        default: throw OperatorFailure("\(op) needs a floating-point input, got \(input.elementType)")
        }
        return output
    }

    private static func run<T: KernelFloat>(_ kind: Kind, _ type: T.Type, _ input: Tensor, _ output: Tensor, _ layout: AxisLayout) {
        guard input.count > 0 else { return }
        let x = input.pointer(as: T.self)
        let y = output.mutablePointer(as: T.self)
        let slice = layout.length &* layout.inner
        if layout.inner == 1 {
            for o in 0..<layout.outer {
                let row = x + o &* slice
                let target = y + o &* slice
                switch kind {
                case .softmax: softmaxRow(row, target, layout.length, log: false)
                case .logSoftmax: softmaxRow(row, target, layout.length, log: true)
                case .hardmax: target[argmax(row, layout.length, stride: 1)] = 1
                }
            }
            return
        }
        Scratch.with(T.self, count: 2 &* layout.inner) { scratch in
            for o in 0..<layout.outer {
                let block = x + o &* slice
                let target = y + o &* slice
                switch kind {
                case .softmax: softmaxColumns(block, target, layout, scratch, log: false)
                case .logSoftmax: softmaxColumns(block, target, layout, scratch, log: true)
                case .hardmax:
                    for j in 0..<layout.inner {
                        target[j &+ argmax(block + j, layout.length, stride: layout.inner) &* layout.inner] = 1
                    }
                }
            }
        }
    }

    /// One contiguous row: the common case of softmax over the last axis.
    @inline(__always)
    private static func softmaxRow<T: KernelFloat>(_ row: UnsafePointer<T>, _ target: UnsafeMutablePointer<T>, _ n: Int, log: Bool) {
        let maximum = T.maximum(row, n)
        let sum = T.exponentials(row, target, n, shift: maximum)
        if log {
            // (x - max) first: it is exact near the maximum, where folding log(sum) into the
            // maximum would lose the small result to the maximum's rounding.
            let logSum = T.naturalLog(sum)
            for i in 0..<n { target[i] = (row[i] - maximum) - logSum }
        } else {
            let scale = 1 / sum
            for i in 0..<n { target[i] *= scale }
        }
    }

    /// One [length, inner] block normalized along `length`, working on whole rows of `inner`
    /// elements at a time so every pass reads memory contiguously.
    @inline(__always)
    private static func softmaxColumns<T: KernelFloat>(
        _ block: UnsafePointer<T>, _ target: UnsafeMutablePointer<T>, _ layout: AxisLayout,
        _ scratch: UnsafeMutablePointer<T>, log: Bool
    ) {
        let inner = layout.inner
        let n = layout.length
        let maximum = scratch
        let sum = scratch + inner
        maximum.update(repeating: -T.infinity, count: inner)
        sum.update(repeating: 0, count: inner)
        for a in 0..<n { T.accumulateMaximum(block + a &* inner, into: maximum, inner) }
        for a in 0..<n { T.exponentials(block + a &* inner, target + a &* inner, inner, shifts: maximum, sums: sum) }
        if log {
            for j in 0..<inner { sum[j] = T.naturalLog(sum[j]) }
            for a in 0..<n {
                let row = block + a &* inner
                let out = target + a &* inner
                for j in 0..<inner { out[j] = (row[j] - maximum[j]) - sum[j] }
            }
        } else {
            for j in 0..<inner { sum[j] = 1 / sum[j] }
            for a in 0..<n {
                let out = target + a &* inner
                for j in 0..<inner { out[j] *= sum[j] }
            }
        }
    }

    /// Index of the first largest element (a NaN counts as largest, as numpy's argmax does).
    @inline(__always)
    private static func argmax<T: KernelFloat>(_ start: UnsafePointer<T>, _ n: Int, stride: Int) -> Int {
        var best = 0
        var value = start[0]
        for i in 1..<max(n, 1) {
            let x = start[i &* stride]
            if value.isNaN { break }
            if x > value || x.isNaN {
                best = i
                value = x
            }
        }
        return best
    }
}
