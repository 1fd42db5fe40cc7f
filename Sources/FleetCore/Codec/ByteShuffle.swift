/// The byte-shuffle filter: `width`-byte values become `width` planes of bytes.
///
/// Trailing bytes that do not fill a whole value are copied unchanged after the planes, so any
/// length round-trips.
enum ByteShuffle {
    static func shuffle(_ input: UnsafeRawBufferPointer, width: Int) -> [UInt8] {
        transpose(input, width: width, forward: true)
    }

    static func unshuffle(_ input: UnsafeRawBufferPointer, width: Int) -> [UInt8] {
        transpose(input, width: width, forward: false)
    }

    private static func transpose(_ input: UnsafeRawBufferPointer, width: Int, forward: Bool) -> [UInt8] {
        let count = input.count / width
        return [UInt8](unsafeUninitializedCapacity: input.count) { output, initialized in
            let source = input.bindMemory(to: UInt8.self)
            for element in 0..<count {
                for plane in 0..<width {
                    let packed = element &* width &+ plane
                    let planar = plane &* count &+ element
                    if forward { output[planar] = source[packed] } else { output[packed] = source[planar] }
                }
            }
            for tail in (count * width)..<input.count { output[tail] = source[tail] }
            initialized = input.count
        }
    }
}
