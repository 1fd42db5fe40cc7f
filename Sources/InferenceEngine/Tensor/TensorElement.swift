/// A Swift type that can live in a tensor's storage.
///
/// Conversions go through `Int64` between integer types and through `Double` otherwise, so `Cast`
/// keeps every int64 exact and still rounds floats the way IEEE does.
public protocol TensorElement: Sendable {
    static var elementType: ElementType { get }
    static var zero: Self { get }
    var doubleValue: Double { get }
    var int64Value: Int64 { get }
    /// Truncates toward zero for integer types (NaN becomes 0, out-of-range values saturate).
    init(convertingDouble value: Double)
    init(convertingInt64 value: Int64)
}

extension TensorElement {
    /// Whether the value is non-zero: how `Cast` to bool and logical ops read numbers.
    @inlinable var isNonZero: Bool { doubleValue != 0 }
}

extension Float: TensorElement {
    public static var elementType: ElementType { .float }
    public var doubleValue: Double { Double(self) }
    public var int64Value: Int64 { Int64(convertingDouble: Double(self)) }
    public init(convertingDouble value: Double) { self = Float(value) }
    public init(convertingInt64 value: Int64) { self = Float(value) }
}

extension Double: TensorElement {
    public static var elementType: ElementType { .double }
    public var doubleValue: Double { self }
    public var int64Value: Int64 { Int64(convertingDouble: self) }
    public init(convertingDouble value: Double) { self = value }
    public init(convertingInt64 value: Int64) { self = Double(value) }
}

extension Float16: TensorElement {
    public static var elementType: ElementType { .float16 }
    public var doubleValue: Double { Double(Float(self)) }
    public var int64Value: Int64 { Int64(convertingDouble: Double(Float(self))) }
    public init(convertingDouble value: Double) { self = Float16(Float(value)) }
    public init(convertingInt64 value: Int64) { self = Float16(Float(value)) }
}

extension BFloat16: TensorElement {
    public static var elementType: ElementType { .bfloat16 }
    public static var zero: BFloat16 { BFloat16(bitPattern: 0) }
    public var doubleValue: Double { Double(floatValue) }
    public var int64Value: Int64 { Int64(convertingDouble: Double(floatValue)) }
    public init(convertingDouble value: Double) { self.init(Float(value)) }
    public init(convertingInt64 value: Int64) { self.init(Float(value)) }
}

extension Bool: TensorElement {
    public static var elementType: ElementType { .bool }
    public static var zero: Bool { false }
    public var doubleValue: Double { self ? 1 : 0 }
    public var int64Value: Int64 { self ? 1 : 0 }
    public init(convertingDouble value: Double) { self = value != 0 }
    public init(convertingInt64 value: Int64) { self = value != 0 }
}

/// Integer element types share their conversions.
public protocol IntegerTensorElement: TensorElement, FixedWidthInteger {}

extension IntegerTensorElement {
    public var doubleValue: Double { Double(self) }
    public var int64Value: Int64 { Int64(truncatingIfNeeded: self) }
    public init(convertingDouble value: Double) {
        if value.isNaN {
            self = 0
        } else if value >= Double(Self.max) {
            self = Self.max
        } else if value <= Double(Self.min) {
            self = Self.min
        } else {
            self = Self(value.rounded(.towardZero))
        }
    }
    public init(convertingInt64 value: Int64) { self = Self(truncatingIfNeeded: value) }
}

extension Int8: IntegerTensorElement { public static var elementType: ElementType { .int8 } }
extension UInt8: IntegerTensorElement { public static var elementType: ElementType { .uint8 } }
extension Int16: IntegerTensorElement { public static var elementType: ElementType { .int16 } }
extension UInt16: IntegerTensorElement { public static var elementType: ElementType { .uint16 } }
extension Int32: IntegerTensorElement { public static var elementType: ElementType { .int32 } }
extension UInt32: IntegerTensorElement { public static var elementType: ElementType { .uint32 } }
extension Int64: IntegerTensorElement { public static var elementType: ElementType { .int64 } }
extension UInt64: IntegerTensorElement {
    public static var elementType: ElementType { .uint64 }
    public var int64Value: Int64 { Int64(truncatingIfNeeded: self) }
    public var doubleValue: Double { Double(self) }
}
