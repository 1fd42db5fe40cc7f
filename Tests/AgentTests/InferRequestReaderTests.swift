import InferenceEngine
import Testing

@testable import Agent

/// The local API's request bodies, read straight into tensors (issue #15 item 4).
@Suite struct InferRequestReaderTests {
    func read(_ text: String) throws -> InferRequestReader.Request {
        try Array(text.utf8).withUnsafeBufferPointer { try InferRequestReader.read($0) }
    }

    func refusal(_ text: String) -> String {
        do {
            _ = try read(text)
            return "accepted"
        } catch LocalAPIError.badRequest(let message) {
            return message
        } catch {
            return "\(error)"
        }
    }

    @Test func numbersGoStraightIntoTheRequestedType() throws {
        let request = try read(
            #"{"output_encoding":"base64","inputs":{"x":{"shape":[2,2],"dtype":"float32","data":[1.5,-2,3e2,0.25]},"#
                + #""n":{"dtype":"int64","shape":[3],"data":[-7.9,2,9007199254740992]},"b":{"shape":[2],"dtype":"bool","data":[0,3]}}}"#)
        #expect(request.outputEncoding == "base64")
        let x = try #require(request.inputs["x"])
        #expect(x.elementType == .float && x.shape == [2, 2])
        #expect(try x.values(as: Float.self) == [1.5, -2, 300, 0.25])
        #expect(try request.inputs["n"]?.values(as: Int64.self) == [-7, 2, 9_007_199_254_740_992])
        #expect(try request.inputs["b"]?.values(as: Bool.self) == [false, true])
    }

    @Test func dataBeforeShapeAndDtypeStillWorks() throws {
        let request = try read(#"{"inputs":{"x":{"data":[1,2,3],"dtype":"float64","shape":[3]}},"extra":{"ignored":[null,true,"s"]}}"#)
        #expect(try request.inputs["x"]?.values(as: Double.self) == [1, 2, 3])
    }

    @Test func base64IsDecodedIntoTheTensor() throws {
        // 1.0 and 2.0 as little-endian float32: 0000803F 00000040.
        let request = try read(#"{"inputs":{"x":{"shape":[2],"dtype":"float32","base64":"AACAPwAAAEA="}}}"#)
        #expect(try request.inputs["x"]?.values(as: Float.self) == [1, 2])
        #expect(
            refusal(#"{"inputs":{"x":{"shape":[3],"dtype":"float32","base64":"AACAPwAAAEA="}}}"#).contains(
                "8 bytes do not hold a float32 tensor of shape [3], which needs 12"))
        #expect(refusal(#"{"inputs":{"x":{"shape":[2],"dtype":"float32","base64":"AACAPwAAAE!="}}}"#).contains("base64 does not decode"))
    }

    /// A shape the body could never fill is refused before anything is allocated: 2^30 float32
    /// values would be 4 GiB for a body of a few dozen bytes.
    @Test func aShapeLargerThanTheBodyCanFillIsRefusedBeforeAllocating() {
        let message = refusal(#"{"inputs":{"x":{"shape":[1073741824],"dtype":"float32","data":[1]}}}"#)
        #expect(message.hasPrefix("input 'x': shape [1073741824] holds 1073741824 values, more than the"), "\(message)")
    }

    @Test func badBodiesAreExplained() {
        #expect(refusal(#"{"inputs":{"x":{"shape":[2],"dtype":"float32","data":[1,2,3]}}}"#).contains("3 values do not fill a shape that holds 2"))
        #expect(refusal(#"{"inputs":{"x":{"shape":[3],"dtype":"float32","data":[1,2]}}}"#).contains("2 values do not fill shape [3], which holds 3"))
        #expect(refusal(#"{"inputs":{"x":{"shape":[1],"dtype":"complex","data":[1]}}}"#).contains("unknown dtype 'complex'"))
        #expect(refusal(#"{"inputs":{"x":{"shape":[1.5],"dtype":"float32","data":[1]}}}"#).contains("a dimension must be a whole number"))
        #expect(refusal(#"{"inputs":{"x":{"shape":[1],"dtype":"float32","data":[01]}}}"#).contains("leading zero"))
        #expect(refusal(#"{"inputs":{"x":{"shape":[1],"dtype":"float32","data":[1]}}} x"#).contains("unexpected data after the document"))
        #expect(refusal(#"{"inputs":{"x":{"shape":[1],"dtype":"float32","data":[1]},"x":{}}}"#).contains("input 'x' is given twice"))
        #expect(refusal(#"{"outputs":{}}"#).contains("no \"inputs\" member"))
        #expect(refusal(String(repeating: "[", count: 100)).contains("not valid JSON"))
    }
}
