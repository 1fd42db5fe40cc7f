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
        stride(from: 0, to: payload.count, by: 4).map { offset in
            Float(bitPattern: UInt32(payload[offset]) | UInt32(payload[offset + 1]) << 8 | UInt32(payload[offset + 2]) << 16 | UInt32(payload[offset + 3]) << 24)
        }
    }

    func int64s() -> [Int64] {
        stride(from: 0, to: payload.count, by: 8).map { offset in
            (0..<8).reduce(Int64(0)) { $0 | Int64(payload[offset + $1]) << (8 * Int64($1)) }
        }
    }
}
