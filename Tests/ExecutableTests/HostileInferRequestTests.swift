import FleetHTTP
import Foundation
import Testing

/// Issue #15 item 1: one local-API request with an impossible shape used to overflow the element
/// count and trap, killing the agent. A real agent process must answer 400 and keep serving.
@Suite struct HostileInferRequestTests {
    /// Bodies whose shapes overflow a 64-bit element or byte count, on both the number and the
    /// base64 path, with what the answer must say. No model needs to be live: inputs are decoded first.
    static let hostileBodies: [(body: String, mentions: String)] = [
        (#"{"inputs":{"x":{"shape":[4294967296,4294967296],"dtype":"float32","data":[]}}}"#, "more elements than a 64-bit count can hold"),
        (#"{"inputs":{"x":{"shape":[4611686018427387904],"dtype":"float32","base64":""}}}"#, "needs more than 17179869184 bytes"),
        (#"{"inputs":{"x":{"shape":[3037000500,3037000500,2],"dtype":"int8","base64":"AA=="}}}"#, "more elements than a 64-bit count can hold"),
        (#"{"inputs":{"x":{"shape":[-1,2],"dtype":"float32","data":[1,2]}}}"#, "negative dimension")
    ]

    @Test func impossibleShapesGet400AndTheAgentKeepsServing() async throws {
        let agent = try AgentDaemonProcess(registry: "http://127.0.0.1:1", arguments: ["--enroll-token", "unused"])
        let api = try agent.localAPI()
        let http = HTTPClient()
        for (body, mentions) in Self.hostileBodies {
            let answer = try await http.send(HTTPRequest(method: "POST", url: api + "/v1/models/anything/infer", body: Array(body.utf8)))
            #expect(answer.status == 400, "\(body) → \(answer.status) \(answer.text)")
            #expect(answer.text.contains("input 'x'") && answer.text.contains(mentions), "\(body) → \(answer.text)")
        }
        #expect(agent.process.isRunning, "\(agent.output)")
        #expect(try await http.send(HTTPRequest(method: "GET", url: api + "/healthz")).text == "ok\n")
    }
}
