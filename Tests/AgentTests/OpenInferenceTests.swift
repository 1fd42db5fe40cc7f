import FleetHTTP
import Foundation
import InferenceEngine
import TestSupport
import Testing

@testable import Agent

/// The Open Inference Protocol on a real agent serving digits-mlp (the tritonclient check in
/// integration/oip/ covers a client nobody here wrote; these pin the protocol's corners).
@Suite struct OpenInferenceTests {
    let device: ServingDevice
    let reference: (input: [Double], label: Int64, probabilities: [Double])

    init() async throws {
        device = try await ServingDevice.start()
        try await device.publisher.publish(
            model: "digits-mlp", version: "1.0.0", file: TestPublisher.corpus("models/digits-mlp/v1.onnx"), to: device.registry.admin)
        _ = try await device.engine.checkInAndSync()
        reference = try LocalAPITests.reference()
    }

    func send(_ method: String, _ path: String, headers: [(name: String, value: String)] = [], body: [UInt8]? = nil) async throws -> HTTPResponse {
        try await HTTPClient().send(HTTPRequest(method: method, url: device.base + path, headers: headers, body: body))
    }

    struct Answer: Decodable {
        struct Output: Decodable {
            var name: String
            var datatype: String
            var shape: [Int]
            var data: [Double]?
            var parameters: [String: Int]?
        }
        var modelName: String
        var modelVersion: String
        var id: String?
        var outputs: [Output]
        enum CodingKeys: String, CodingKey {
            case modelName = "model_name"
            case modelVersion = "model_version"
            case id, outputs
        }
    }

    @Test func metadataNamesTheInputsAndOutputsTheModelDeclares() async throws {
        let metadata = try await send("GET", "/v2/models/digits-mlp")
        #expect(metadata.status == 200)
        #expect(
            metadata.text
                == #"{"name":"digits-mlp","versions":["1.0.0"],"platform":"onnx","inputs":[{"name":"input","datatype":"FP32","shape":[-1,64]}],"outputs":[{"name":"label","datatype":"INT64","shape":[-1]},{"name":"probabilities","datatype":"FP32","shape":[-1,10]}]}"#,
            "\(metadata.text)")
        #expect(try await send("GET", "/v2/models/digits-mlp/versions/1.0.0/ready").status == 200)
        let other = try await send("GET", "/v2/models/digits-mlp/versions/2.0.0")
        #expect(other.status == 404 && other.text == #"{"error":"'digits-mlp' serves version 1.0.0, not 2.0.0"}"#)
        let unknown = try await send("GET", "/v2/models/nothing/ready")
        #expect(unknown.status == 404 && unknown.text == #"{"error":"no live model named 'nothing'"}"#)
        #expect(try await send("GET", "/v2/health/live").status == 200)
        #expect(try await send("GET", "/v2/nothing").status == 404)
    }

    @Test func jsonTensorsFlatOrNestedGiveTheReferenceOutputs() async throws {
        let values = reference.input.map { String($0) }
        let nested = "[[" + values.joined(separator: ",") + "]]"
        for data in ["[" + values.joined(separator: ",") + "]", nested] {
            let body = #"{"id":"r1","inputs":[{"name":"input","shape":[1,64],"datatype":"FP32","data":\#(data)}],"outputs":[{"name":"probabilities"}]}"#
            let answer = try await send("POST", "/v2/models/digits-mlp/infer", body: Array(body.utf8))
            #expect(answer.status == 200, "\(answer.text)")
            let decoded = try JSONDecoder().decode(Answer.self, from: Data(answer.body))
            #expect(decoded.modelName == "digits-mlp" && decoded.modelVersion == "1.0.0" && decoded.id == "r1")
            #expect(decoded.outputs.map(\.name) == ["probabilities"] && decoded.outputs[0].shape == [1, 10])
            #expect(zip(decoded.outputs[0].data ?? [], reference.probabilities).allSatisfy { abs($0 - $1) < 1e-5 })
        }
    }

    @Test func binaryTensorDataTravelsBothWays() async throws {
        let input = reference.input.flatMap { value in withUnsafeBytes(of: Float(value).bitPattern.littleEndian) { Array($0) } }
        let json = Array(
            #"{"inputs":[{"name":"input","shape":[1,64],"datatype":"FP32","parameters":{"binary_data_size":256}}],"parameters":{"binary_data_output":true}}"#
                .utf8)
        let answer = try await send(
            "POST", "/v2/models/digits-mlp/infer", headers: [("Inference-Header-Content-Length", "\(json.count)")], body: json + input)
        #expect(answer.status == 200, "\(answer.text)")
        let headerLength = try #require(answer[header: "inference-header-content-length"].flatMap { Int($0) })
        let decoded = try JSONDecoder().decode(Answer.self, from: Data(answer.body[..<headerLength]))
        #expect(decoded.outputs.map { $0.parameters?["binary_data_size"] } == [8, 40])
        let raw = Array(answer.body[(headerLength + 8)...])
        let probabilities = stride(from: 0, to: raw.count, by: 4).map {
            Double(Float(bitPattern: UInt32(littleEndian: raw[$0..<($0 + 4)].withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) })))
        }
        #expect(zip(probabilities, reference.probabilities).allSatisfy { abs($0 - $1) < 1e-5 }, "\(probabilities)")
        let label = answer.body[headerLength..<(headerLength + 8)].withUnsafeBytes { Int64(littleEndian: $0.loadUnaligned(as: Int64.self)) }
        #expect(label == reference.label)
    }

    @Test func malformedRequestsAreRefusedWithTheReason() async throws {
        let header = #"{"inputs":[{"name":"input","shape":[1,64],"datatype":"FP32","parameters":{"binary_data_size":256}}]}"#
        for (headers, body, reason) in [
            (
                [(name: "Inference-Header-Content-Length", value: "\(header.utf8.count)")], Array(header.utf8) + [UInt8](repeating: 0, count: 100),
                "binary_data_size 256 is past the 100 bytes of binary data left"
            ),
            ([(name: "Inference-Header-Content-Length", value: "99999")], Array(header.utf8), "is past the body's"),
            ([], Array(#"{"inputs":[{"name":"input","shape":[1,64],"datatype":"BYTES","data":[]}]}"#.utf8), "datatype 'BYTES' is not one the engine takes"),
            ([], Array(#"{"inputs":[{"name":"input","shape":[1,2],"datatype":"FP32","data":[1,2,3]}]}"#.utf8), "more values than shape [1, 2] holds"),
            ([], Array(#"{"inputs":[{"name":"input","shape":[1,64],"datatype":"FP32","data":[1]}]}"#.utf8), "holds 64 values, more than the"),
            ([], Array(#"{"outputs":[]}"#.utf8), #"the request has no \"inputs\""#)
        ] {
            let answer = try await send("POST", "/v2/models/digits-mlp/infer", headers: headers, body: body)
            #expect(answer.status == 400, "\(reason): \(answer.text)")
            #expect(answer.text.hasPrefix(#"{"error":"#) && answer.text.contains(reason), "\(answer.text)")
        }
        let wrongOutput = try await send(
            "POST", "/v2/models/digits-mlp/infer",
            body: Array(
                #"{"inputs":[{"name":"input","shape":[1,64],"datatype":"FP32","data":[\#(reference.input.map { String($0) }.joined(separator: ","))]}],"outputs":[{"name":"nope"}]}"#
                    .utf8))
        #expect(wrongOutput.status == 400 && wrongOutput.text.contains("'digits-mlp' has no output 'nope'; its outputs are label, probabilities"))
    }
}
