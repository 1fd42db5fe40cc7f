import FleetCore

/// Steps generated from the document rather than written by hand: one request per operation for the answers
/// every operation shares (no token, the wrong token, a broken path parameter, a body over its limit, an
/// address held back), so an operation added to the document is swept without anyone remembering to.
enum ConformanceSweeps {
    typealias Step = ConformanceStep

    /// Operations sorted, so the order (and any failure message) is the same on every run.
    static func operations(_ document: OpenAPIDocument) -> [OpenAPIDocument.Operation] {
        document.operations.sorted { ($0.template, $0.method) < ($1.template, $1.method) }
    }

    /// `template` with plausible path parameters, the device's being `device`; with `broken`, the first
    /// parameter is `%FF`, which is not percent-encoded UTF-8.
    static func path(_ template: String, device: String = "{device}", broken: Bool = false) -> String {
        let samples = [
            "{digest}": "sha256:" + String(repeating: "0", count: 64), "{name}": "digits-mlp", "{version}": "1.0.0"
        ]
        var path = template
        var first = true
        while let open = path.firstIndex(of: "{"), let close = path[open...].firstIndex(of: "}") {
            let parameter = String(path[open...close])
            var value = samples[parameter] ?? ""
            if parameter == "{id}" {
                value =
                    template.hasPrefix("/v1/devices/") ? device : template.hasPrefix("/v1/rollouts/") ? "ro-000000000000" : "tok_0000000000000000"
            }
            path.replaceSubrange(open...close, with: broken && first ? "%FF" : value.replacingOccurrences(of: "{", with: "\u{1}"))
            first = false
        }
        return path.replacingOccurrences(of: "\u{1}", with: "{")
    }

    /// 401 from every operation that needs a token, sent without one.
    static func withoutToken(_ document: OpenAPIDocument) -> [Step] {
        operations(document).filter { !document.isPublic($0) }.map { Step($0.method, path($0.template), as: .nobody, expect: 401) }
    }

    /// 403 from every operation but enrollment, sent with the enrollment token (which may only enroll).
    static func withEnrollmentToken(_ document: OpenAPIDocument) -> [Step] {
        operations(document).filter { !document.isPublic($0) && $0.description != "POST /v1/devices/enroll" }.map {
            Step($0.method, path($0.template), as: .enrollment, expect: 403)
        }
    }

    /// 400 from every operation with a path parameter, given one that is not percent-encoded UTF-8.
    static func badPathParameter(_ document: OpenAPIDocument) -> [Step] {
        operations(document).filter { $0.template.contains("{") && document.statuses($0).contains(400) }.map {
            Step($0.method, path($0.template, broken: true), expect: 400)
        }
    }

    /// 413 from every operation that takes a body, given 2 MiB (over the 1 MiB limit the test sets, and the
    /// chunk limit), by the caller each one serves.
    static func tooLarge(_ document: OpenAPIDocument) -> [Step] {
        let body = [UInt8](repeating: UInt8(ascii: " "), count: 2 << 20)
        return operations(document).filter { document.statuses($0).contains(413) }.map { operation in
            let caller: Step.Caller =
                operation.description == "POST /v1/devices/enroll"
                ? .enrollment : operation.template.hasPrefix("/v1/devices/{id}/") && operation.method == "POST" ? .device : .admin
            let headers = operation.template == "/v1/chunks/{digest}" ? ConformanceFixtures.headers(codec: .identity, length: 1) : []
            return Step(operation.method, path(operation.template), as: caller, headers: headers, body: body, expect: 413)
        }
    }

    /// 429 from every operation that needs a token, once the address is held back, even with the admin token.
    static func held(_ document: OpenAPIDocument) -> [Step] {
        operations(document).filter { !document.isPublic($0) }.map {
            Step($0.method, path($0.template, device: "00000000-0000-0000-0000-000000000000"), expect: 429)
        }
    }
}
