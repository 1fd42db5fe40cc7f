import Foundation

/// Reads the `.npy` files of the digits test set (format 1.0, little-endian, C order).
struct NumpyFile {
    let descr: String
    let shape: [Int]
    let payload: [UInt8]

    init(path: String) throws {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        guard bytes.count > 10, bytes[0] == 0x93, Array(bytes[1...5]) == Array("NUMPY".utf8) else {
            throw CocoaError(.fileReadCorruptFile, userInfo: [NSFilePathErrorKey: path])
        }
        let headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
        let header = String(decoding: bytes[10..<(10 + headerLength)], as: UTF8.self)
        func value(_ key: String) -> String {
            guard let range = header.range(of: "'\(key)': ") else { return "" }
            let rest = header[range.upperBound...]
            let end = rest.hasPrefix("(") ? rest.firstIndex(of: ")").map { rest.index(after: $0) } : rest.firstIndex(of: ",")
            return String(rest[..<(end ?? rest.endIndex)]).trimmingCharacters(in: CharacterSet(charactersIn: "' "))
        }
        descr = value("descr")
        shape = value("shape").trimmingCharacters(in: CharacterSet(charactersIn: "()"))
            .split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        payload = Array(bytes[(10 + headerLength)...])
    }

    func floats() -> [Float] {
        payload.withUnsafeBytes { raw in
            (0..<(payload.count / 4)).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
        }
    }

    func int64s() -> [Int64] {
        payload.withUnsafeBytes { raw in
            (0..<(payload.count / 8)).map { Int64(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 8, as: Int64.self)) }
        }
    }
}
