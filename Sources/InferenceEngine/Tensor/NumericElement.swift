/// Element types with arithmetic: the numeric ONNX types except bfloat16 (which computes through
/// float32). Integer arithmetic wraps like C, and integer division by zero yields 0 instead of
/// trapping: a bad input must never crash the device.
protocol NumericElement: TensorElement, Comparable {
    static func plus(_ a: Self, _ b: Self) -> Self
    static func minus(_ a: Self, _ b: Self) -> Self
    static func times(_ a: Self, _ b: Self) -> Self
    static func dividedBy(_ a: Self, _ b: Self) -> Self
    /// Python-style modulus (sign of the divisor) unless `fmod`, which takes the dividend's sign.
    static func modulo(_ a: Self, _ b: Self, fmod: Bool) -> Self
    static func power(_ a: Self, _ b: Self) -> Self
    static func negated(_ a: Self) -> Self
    static func magnitude(_ a: Self) -> Self
    static var lowest: Self { get }
    static var highest: Self { get }
    static var one: Self { get }
    var isNaNValue: Bool { get }
}

extension NumericElement where Self: BinaryFloatingPoint {
    @inline(__always) static func plus(_ a: Self, _ b: Self) -> Self { a + b }
    @inline(__always) static func minus(_ a: Self, _ b: Self) -> Self { a - b }
    @inline(__always) static func times(_ a: Self, _ b: Self) -> Self { a * b }
    @inline(__always) static func dividedBy(_ a: Self, _ b: Self) -> Self { a / b }
    static func modulo(_ a: Self, _ b: Self, fmod: Bool) -> Self {
        let r = a.truncatingRemainder(dividingBy: b)
        if fmod { return r }
        return (r != 0 && (r < 0) != (b < 0)) ? r + b : r
    }
    @inline(__always) static func negated(_ a: Self) -> Self { -a }
    @inline(__always) static func magnitude(_ a: Self) -> Self { Swift.abs(a) }
    static var lowest: Self { -Self.infinity }
    static var highest: Self { Self.infinity }
    static var one: Self { 1 }
    var isNaNValue: Bool { isNaN }
}

extension Float: NumericElement {
    static func power(_ a: Float, _ b: Float) -> Float { powf(a, b) }
}
extension Double: NumericElement {
    static func power(_ a: Double, _ b: Double) -> Double { pow(a, b) }
}
extension Float16: NumericElement {
    static func power(_ a: Float16, _ b: Float16) -> Float16 { Float16(powf(Float(a), Float(b))) }
}

extension NumericElement where Self: FixedWidthInteger {
    @inline(__always) static func plus(_ a: Self, _ b: Self) -> Self { a &+ b }
    @inline(__always) static func minus(_ a: Self, _ b: Self) -> Self { a &- b }
    @inline(__always) static func times(_ a: Self, _ b: Self) -> Self { a &* b }
    static func dividedBy(_ a: Self, _ b: Self) -> Self {
        guard b != 0 else { return 0 }
        return a.dividedReportingOverflow(by: b).partialValue
    }
    static func modulo(_ a: Self, _ b: Self, fmod: Bool) -> Self {
        guard b != 0 else { return 0 }
        let r = a.remainderReportingOverflow(dividingBy: b).partialValue
        if fmod { return r }
        return (r != 0 && (r < 0) != (b < 0)) ? r &+ b : r
    }
    static func power(_ a: Self, _ b: Self) -> Self {
        guard b >= 0 else { return a == 1 ? 1 : 0 }
        var result: Self = 1
        var base = a
        var exponent = b
        while exponent > 0 {
            if exponent & 1 == 1 { result = result &* base }
            base = base &* base
            exponent >>= 1
        }
        return result
    }
    @inline(__always) static func negated(_ a: Self) -> Self { 0 &- a }
    static func magnitude(_ a: Self) -> Self { a < 0 ? 0 &- a : a }
    static var lowest: Self { min }
    static var highest: Self { max }
    static var one: Self { 1 }
    var isNaNValue: Bool { false }
}

extension Int8: NumericElement {}
extension UInt8: NumericElement {}
extension Int16: NumericElement {}
extension UInt16: NumericElement {}
extension Int32: NumericElement {}
extension UInt32: NumericElement {}
extension Int64: NumericElement {}
extension UInt64: NumericElement {}
