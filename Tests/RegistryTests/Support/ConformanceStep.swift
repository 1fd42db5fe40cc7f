import Foundation

/// One request of a conformance script and the status it is meant to provoke. Built before anything is sent
/// (so the async code that sends it stays small: the Swift 6.3 hazard in docs/decisions.md); what depends on
/// earlier answers is named by `{placeholder}`s in the path and by the caller, and filled in by
/// `ConformanceSession` from the values earlier steps `keep`.
struct ConformanceStep: Sendable {
    /// Whose bearer token the request carries.
    enum Caller: String, Sendable {
        case nobody, admin, enrollment, device, reader
        /// An unknown admin-shaped token: a failed authentication.
        case guesser
    }

    var method: String
    var path: String
    var caller: Caller
    var headers: [(name: String, value: String)]
    var body: [UInt8]?
    /// The status this request is written to provoke; any other is reported, so a script cannot drift into
    /// exercising nothing but 400s while the document still matches.
    var expect: Int
    /// Placeholder name → dotted member path in the JSON answer (`rollout.id`), kept for later steps.
    var keep: [String: String]
    /// Done before the request, e.g. damaging a stored chunk so the registry answers 503.
    var prepare: (@Sendable (ConformanceSession) throws -> Void)?

    init(
        _ method: String, _ path: String, as caller: Caller = .admin, headers: [(name: String, value: String)] = [], body: [UInt8]? = nil,
        expect: Int, keep: [String: String] = [:], prepare: (@Sendable (ConformanceSession) throws -> Void)? = nil
    ) {
        self.method = method
        self.path = path
        self.caller = caller
        self.headers = headers
        self.body = body
        self.expect = expect
        self.keep = keep
        self.prepare = prepare
    }

    /// A JSON body, encoded with sorted keys as clients send it.
    static func json(_ value: some Encodable) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return Array((try? encoder.encode(value)) ?? Data())
    }

    static func text(_ text: String) -> [UInt8] { Array(text.utf8) }
}
