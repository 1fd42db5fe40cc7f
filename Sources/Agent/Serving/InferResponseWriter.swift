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
enum InferResponseWriter {
    /// The JSON of `result`; nil when an output holds NaN or infinity, which JSON cannot carry
    /// (ask for base64 outputs then).
    static func json(_ result: InferenceHost.Result, base64: Bool) -> [UInt8]? {
        var writer = JSONWriter()
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
}
