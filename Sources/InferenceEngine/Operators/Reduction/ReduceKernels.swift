/// The Reduce* kernels: one generic fold over a `ReductionPlan`, specialized per rule and element
/// type. The rules and element conformances live in this file on purpose: the module is built
/// file by file, so only code in the same file as the fold can be inlined into its inner loops.
enum ReduceKind: Sendable {
    case sum, mean, max, min, product, l1, l2, logSum, logSumExp, sumSquare
}

enum ReduceKernels {
    /// Reduces `input` (any numeric type; float16 and bfloat16 fold in float32) into a new tensor of
    /// the plan's output shape.
    static func run(
        _ kind: ReduceKind, _ input: Tensor, plan: ReductionPlan, op: String,
        context: ExecutionContext
    ) throws -> Tensor {
        switch kind {
        case .sum: try fold(SumRule.self, input, plan, op, context)
        case .mean: try fold(MeanRule.self, input, plan, op, context)
        case .max: try fold(MaxRule.self, input, plan, op, context)
        case .min: try fold(MinRule.self, input, plan, op, context)
        case .product: try fold(ProductRule.self, input, plan, op, context)
        case .l1: try fold(L1Rule.self, input, plan, op, context)
        case .l2: try fold(L2Rule.self, input, plan, op, context)
        case .sumSquare: try fold(SumSquareRule.self, input, plan, op, context)
        case .logSum: try fold(LogSumRule.self, input, plan, op, context)
        case .logSumExp: try logSumExp(input, plan, op, context)
        }
    }

    private static func fold<R: ReduceRule>(
        _ rule: R.Type, _ input: Tensor, _ plan: ReductionPlan, _ op: String,
        _ context: ExecutionContext
    ) throws -> Tensor {
        if R.floatingOnly && !input.elementType.isFloatingPoint {
            throw OperatorFailure("\(op) needs a floating-point input, got \(input.elementType)")
        }
        if FloatWidening.isNarrow(input.elementType) {
            let folded = try fold(R.self, TensorCast.convert(input, to: .float, context: context), plan, op, context)
            return TensorCast.convert(folded, to: input.elementType, context: context)
        }
        let output = try context.allocate(input.elementType, plan.outputShape)
        switch input.elementType {
        case .float: fold(R.self, Float.self, input, plan, output)
        case .double: fold(R.self, Double.self, input, plan, output)
        case .int8: fold(R.self, Int8.self, input, plan, output)
        case .uint8: fold(R.self, UInt8.self, input, plan, output)
        case .int16: fold(R.self, Int16.self, input, plan, output)
        case .uint16: fold(R.self, UInt16.self, input, plan, output)
        case .int32: fold(R.self, Int32.self, input, plan, output)
        case .uint32: fold(R.self, UInt32.self, input, plan, output)
        case .int64: fold(R.self, Int64.self, input, plan, output)
        case .uint64: fold(R.self, UInt64.self, input, plan, output)
        case .float16, .bfloat16, .bool, .string:
            throw OperatorFailure("\(op) does not support \(input.elementType) tensors")
        }
        return output
    }

    private static func fold<R: ReduceRule, T: ReducibleElement>(
        _ rule: R.Type, _ type: T.Type, _ input: Tensor,
        _ plan: ReductionPlan, _ output: Tensor
    ) {
        let x = input.pointer(as: T.self)
        let y = output.mutablePointer(as: T.self)
        let identity = R.identity(T.self)
        for i in 0..<plan.outputCount { y[i] = identity }
        plan.forEachRow { start, out, length, reducing in
            if reducing {
                y[out] = R.combine(y[out], foldRow(R.self, x + start, length))
            } else {
                let row = x + start
                let target = y + out
                for j in 0..<length { target[j] = R.combine(target[j], R.map(row[j])) }
            }
        }
        let count = plan.groupSize
        for i in 0..<plan.outputCount { y[i] = R.finish(y[i], count: count) }
    }

    /// Folds one contiguous row with eight independent accumulators, which breaks the dependency
    /// chain of a serial fold so the loop can run several lanes at once.
    @inline(__always)
    private static func foldRow<R: ReduceRule, T: ReducibleElement>(_ rule: R.Type, _ row: UnsafePointer<T>, _ n: Int) -> T {
        let identity = R.identity(T.self)
        var a0 = identity
        var a1 = identity
        var a2 = identity
        var a3 = identity
        var a4 = identity
        var a5 = identity
        var a6 = identity
        var a7 = identity
        var i = 0
        while i &+ 8 <= n {
            a0 = R.combine(a0, R.map(row[i]))
            a1 = R.combine(a1, R.map(row[i &+ 1]))
            a2 = R.combine(a2, R.map(row[i &+ 2]))
            a3 = R.combine(a3, R.map(row[i &+ 3]))
            a4 = R.combine(a4, R.map(row[i &+ 4]))
            a5 = R.combine(a5, R.map(row[i &+ 5]))
            a6 = R.combine(a6, R.map(row[i &+ 6]))
            a7 = R.combine(a7, R.map(row[i &+ 7]))
            i &+= 8
        }
        while i < n {
            a0 = R.combine(a0, R.map(row[i]))
            i &+= 1
        }
        return R.combine(R.combine(R.combine(a0, a1), R.combine(a2, a3)), R.combine(R.combine(a4, a5), R.combine(a6, a7)))
    }

    /// log(Σ exp(x)) computed as m + log(Σ exp(x - m)) with m the largest finite element, so large
    /// inputs do not overflow; infinite elements still give ±inf, and an empty set gives -inf.
    private static func logSumExp(
        _ input: Tensor, _ plan: ReductionPlan, _ op: String,
        _ context: ExecutionContext
    ) throws -> Tensor {
        if FloatWidening.isNarrow(input.elementType) {
            let result = try logSumExp(TensorCast.convert(input, to: .float, context: context), plan, op, context)
            return TensorCast.convert(result, to: input.elementType, context: context)
        }
        let output = try context.allocate(input.elementType, plan.outputShape)
        let shifts = try context.allocate(input.elementType, plan.outputShape)
        switch input.elementType {
        case .float: logSumExp(Float.self, input, plan, output, shifts)
        case .double: logSumExp(Double.self, input, plan, output, shifts)
        default: throw OperatorFailure("\(op) needs a floating-point input, got \(input.elementType)")
        }
        return output
    }

    private static func logSumExp<T: ReducibleElement & KernelFloat>(
        _ type: T.Type, _ input: Tensor, _ plan: ReductionPlan,
        _ output: Tensor, _ shifts: Tensor
    ) {
        let x = input.pointer(as: T.self)
        let y = output.mutablePointer(as: T.self)
        let shift = shifts.mutablePointer(as: T.self)
        for i in 0..<plan.outputCount { shift[i] = -T.infinity }
        plan.forEachRow { start, out, length, reducing in
            let row = x + start
            if reducing {
                var m = shift[out]
                for j in 0..<length where row[j].isFinite && row[j] > m { m = row[j] }
                shift[out] = m
            } else {
                for j in 0..<length where row[j].isFinite && row[j] > shift[out &+ j] { shift[out &+ j] = row[j] }
            }
        }
        for i in 0..<plan.outputCount where !shift[i].isFinite { shift[i] = 0 }
        plan.forEachRow { start, out, length, reducing in
            let row = x + start
            if reducing {
                let m = shift[out]
                var sum: T = 0
                for j in 0..<length { sum += T.exponential(row[j] - m) }
                y[out] += sum
            } else {
                for j in 0..<length { y[out &+ j] += T.exponential(row[j] - shift[out &+ j]) }
            }
        }
        for i in 0..<plan.outputCount { y[i] = T.naturalLog(y[i]) + shift[i] }
    }
}

/// How one Reduce* operator folds: `map` each element, `combine` from `identity`, then `finish`
/// with the number of elements folded.
private protocol ReduceRule {
    static var floatingOnly: Bool { get }
    static func identity<T: ReducibleElement>(_ type: T.Type) -> T
    static func map<T: ReducibleElement>(_ x: T) -> T
    static func combine<T: ReducibleElement>(_ a: T, _ b: T) -> T
    static func finish<T: ReducibleElement>(_ a: T, count: Int) -> T
}

extension ReduceRule {
    static var floatingOnly: Bool { false }
    @inline(__always) static func identity<T: ReducibleElement>(_ type: T.Type) -> T { T.zero }
    @inline(__always) static func map<T: ReducibleElement>(_ x: T) -> T { x }
    @inline(__always) static func combine<T: ReducibleElement>(_ a: T, _ b: T) -> T { T.add(a, b) }
    @inline(__always) static func finish<T: ReducibleElement>(_ a: T, count: Int) -> T { a }
}

private enum SumRule: ReduceRule {}

private enum MeanRule: ReduceRule {
    /// An empty mean is 0/0: NaN for floats, 0 for integers.
    @inline(__always) static func finish<T: ReducibleElement>(_ a: T, count: Int) -> T { a.divided(by: count) }
}

private enum ProductRule: ReduceRule {
    @inline(__always) static func identity<T: ReducibleElement>(_ type: T.Type) -> T { T.foldOne }
    @inline(__always) static func combine<T: ReducibleElement>(_ a: T, _ b: T) -> T { T.multiply(a, b) }
}

/// Max and Min propagate NaN, as numpy does; an empty set gives the type's lowest (highest) value.
private enum MaxRule: ReduceRule {
    @inline(__always) static func identity<T: ReducibleElement>(_ type: T.Type) -> T { T.foldLowest }
    @inline(__always) static func combine<T: ReducibleElement>(_ a: T, _ b: T) -> T { b > a || b.isUnordered ? b : a }
}

private enum MinRule: ReduceRule {
    @inline(__always) static func identity<T: ReducibleElement>(_ type: T.Type) -> T { T.foldHighest }
    @inline(__always) static func combine<T: ReducibleElement>(_ a: T, _ b: T) -> T { b < a || b.isUnordered ? b : a }
}

private enum L1Rule: ReduceRule {
    @inline(__always) static func map<T: ReducibleElement>(_ x: T) -> T { x.absolute }
}

private enum SumSquareRule: ReduceRule {
    @inline(__always) static func map<T: ReducibleElement>(_ x: T) -> T { T.multiply(x, x) }
}

private enum L2Rule: ReduceRule {
    @inline(__always) static func map<T: ReducibleElement>(_ x: T) -> T { T.multiply(x, x) }
    @inline(__always) static func finish<T: ReducibleElement>(_ a: T, count: Int) -> T { a.squareRooted }
}

private enum LogSumRule: ReduceRule {
    static var floatingOnly: Bool { true }
    @inline(__always) static func finish<T: ReducibleElement>(_ a: T, count: Int) -> T { a.logarithm }
}

/// The arithmetic the folds need, in this file so it inlines: integers wrap like C (a reduction
/// must never trap on input data) and convert through Double for roots, logarithms and means,
/// as numpy does.
private protocol ReducibleElement: TensorElement, Comparable {
    static func add(_ a: Self, _ b: Self) -> Self
    static func multiply(_ a: Self, _ b: Self) -> Self
    static var foldOne: Self { get }
    static var foldLowest: Self { get }
    static var foldHighest: Self { get }
    var isUnordered: Bool { get }
    var absolute: Self { get }
    var squareRooted: Self { get }
    var logarithm: Self { get }
    func divided(by count: Int) -> Self
}

extension ReducibleElement where Self: BinaryFloatingPoint {
    @inline(__always) static func add(_ a: Self, _ b: Self) -> Self { a + b }
    @inline(__always) static func multiply(_ a: Self, _ b: Self) -> Self { a * b }
    static var foldOne: Self { 1 }
    static var foldLowest: Self { -infinity }
    static var foldHighest: Self { infinity }
    @inline(__always) var isUnordered: Bool { isNaN }
    @inline(__always) var absolute: Self { Swift.abs(self) }
    @inline(__always) var squareRooted: Self { squareRoot() }
    @inline(__always) var logarithm: Self { Self(log(Double(self))) }
    @inline(__always) func divided(by count: Int) -> Self { self / Self(count) }
}

extension ReducibleElement where Self: FixedWidthInteger {
    @inline(__always) static func add(_ a: Self, _ b: Self) -> Self { a &+ b }
    @inline(__always) static func multiply(_ a: Self, _ b: Self) -> Self { a &* b }
    static var foldOne: Self { 1 }
    static var foldLowest: Self { min }
    static var foldHighest: Self { max }
    @inline(__always) var isUnordered: Bool { false }
    @inline(__always) var absolute: Self { self < 0 ? 0 &- self : self }
    var squareRooted: Self { Self(convertingDouble: Double(self).squareRoot()) }
    var logarithm: Self { Self(convertingDouble: log(Double(self))) }
    func divided(by count: Int) -> Self { Self(convertingDouble: Double(self) / Double(count)) }
}

extension Float: ReducibleElement {}
extension Double: ReducibleElement {}
extension Int8: ReducibleElement {}
extension UInt8: ReducibleElement {}
extension Int16: ReducibleElement {}
extension UInt16: ReducibleElement {}
extension Int32: ReducibleElement {}
extension UInt32: ReducibleElement {}
extension Int64: ReducibleElement {}
extension UInt64: ReducibleElement {}
