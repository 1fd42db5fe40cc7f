import InferenceEngine

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Writes the answer to an inference request as JSON bytes directly, number by number:
/// `{"latency_ms":…,"mode":…,"model":…,"outputs":[{"data":[…],"dtype":…,"name":…,"shape":[…]}],"version":…}`
/// (keys sorted, as before). A generic encoder first builds a tree of every number, several
/// times the size of the text, which a large batch's outputs cannot afford.
struct InferResponseWriter {
    private(set) var bytes: [UInt8] = []

    /// The JSON of `result`; nil when an output holds NaN or infinity, which JSON cannot carry
    /// (ask for base64 outputs then).
    static func json(_ result: InferenceHost.Result, base64: Bool) -> [UInt8]? {
        var writer = InferResponseWriter()
        writer.raw(#"{"latency_ms":"#)
        guard writer.number(result.milliseconds) else { return nil }
        writer.raw(#","mode":"#)
        writer.string(result.efficiencyMode ? "efficiency" : "full")
        writer.raw(#","model":"#)
        writer.string(result.model)
        writer.raw(#","outputs":["#)
        for (index, output) in result.outputs.enumerated() {
            writer.raw(index == 0 ? "{" : ",{")
            if base64 {
                writer.raw(#""base64":"#)
                writer.string(Data(output.tensor.littleEndianBytes).base64EncodedString())
            } else {
                writer.raw(#""data":["#)
                for (position, value) in output.tensor.doubleValues().enumerated() {
                    if position > 0 { writer.raw(",") }
                    guard writer.number(value) else { return nil }
                }
                writer.raw("]")
            }
            writer.raw(#","dtype":"#)
            writer.string(output.tensor.elementType.description)
            writer.raw(#","name":"#)
            writer.string(output.name)
            writer.raw(#","shape":["#)
            writer.raw(output.tensor.shape.map(String.init).joined(separator: ","))
            writer.raw("]}")
        }
        writer.raw(#"],"version":"#)
        writer.string(result.version.description)
        writer.raw("}")
        return writer.bytes
    }

    private mutating func raw(_ text: String) { bytes += text.utf8 }

    /// The shortest text that reads back as `value` ("1" rather than "1.0"); false for NaN and infinities.
    private mutating func number(_ value: Double) -> Bool {
        guard value.isFinite else { return false }
        if value == value.rounded(), abs(value) < 1e15 {
            bytes += String(Int64(value)).utf8
        } else {
            bytes += value.description.utf8
        }
        return true
    }

    private mutating func string(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                bytes += [UInt8(ascii: "\\"), byte]
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                bytes += Array("\\u00".utf8) + [hex[Int(byte >> 4)], hex[Int(byte & 0xF)]]
            default:
                bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
