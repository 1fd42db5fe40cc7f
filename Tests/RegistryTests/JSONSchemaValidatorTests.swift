import FleetCore
import TestSupport
import Testing

/// The schema checker the conformance test trusts: each keyword must catch what it is for, or a broken
/// answer would pass as conforming.
@Suite struct JSONSchemaValidatorTests {
    static let document = parse(
        #"""
        {"components": {"schemas": {
          "Digest": {"type": "string", "pattern": "^sha256:[0-9a-f]{64}$"},
          "Thing": {"type": "object", "additionalProperties": false, "required": ["id", "at"],
                    "properties": {"id": {"type": "integer", "minimum": 1, "maximum": 9},
                                   "at": {"type": "string", "format": "date-time"},
                                   "state": {"type": "string", "enum": ["on", "off"]},
                                   "name": {"type": "string", "maxLength": 3},
                                   "digests": {"type": "array", "items": {"$ref": "#/components/schemas/Digest"}},
                                   "labels": {"type": "object", "additionalProperties": {"type": "string"}},
                                   "ratio": {"allOf": [{"type": "number"}]}}}}}}
        """#)
    let validator = JSONSchemaValidator(document: Self.document)
    let thing = parse(##"{"$ref": "#/components/schemas/Thing"}"##)

    static func parse(_ text: String) -> JSONValue {
        (try? JSONParser.parse(Array(text.utf8), limits: .init(maximumBytes: 1 << 16))) ?? .null
    }

    func violations(_ json: String) -> [String] { validator.violations(of: Self.parse(json), against: thing) }

    @Test func aConformingDocumentPasses() {
        let digest = "sha256:" + String(repeating: "ab", count: 32)
        #expect(
            violations(
                #"{"id": 3, "at": "2026-11-27T08:30:00Z", "state": "on", "name": "abc", "digests": ["\#(digest)"], "labels": {"k": "v"}, "ratio": 0.5}"#
            ) == [])
    }

    @Test func eachKeywordCatchesWhatItIsFor() {
        let at = #""at": "2026-11-27T08:30:00Z""#
        #expect(violations(#"{"id": 3}"#) == ["$: missing required at"])
        #expect(violations(#"{"id": 3, \#(at), "extra": 1}"#) == ["$: undeclared member extra"])
        #expect(violations(#"{"id": "3", \#(at)}"#) == [#"$.id: expected integer, got "3""#])
        #expect(violations(#"{"id": 1.5, \#(at)}"#) == ["$.id: expected integer, got 1.5"])
        #expect(violations(#"{"id": 0, \#(at)}"#) == ["$.id: 0 is outside minimum 1"])
        #expect(violations(#"{"id": 10, \#(at)}"#) == ["$.id: 10 is outside maximum 9"])
        #expect(violations(#"{"id": 3, "at": "2026-11-27 08:30"}"#) == [#"$.at: "2026-11-27 08:30" is not an RFC 3339 date-time"#])
        #expect(violations(#"{"id": 3, "at": "2026-13-27T08:30:00Z"}"#) == [#"$.at: "2026-13-27T08:30:00Z" is not an RFC 3339 date-time"#])
        #expect(violations(#"{"id": 3, \#(at), "state": "dim"}"#) == [#"$.state: "dim" is not one of "on", "off""#])
        #expect(violations(#"{"id": 3, \#(at), "name": "abcd"}"#) == ["$.name: 4 characters, over maxLength 3"])
        #expect(violations(#"{"id": 3, \#(at), "digests": ["sha256:AB"]}"#) == [#"$.digests[0]: "sha256:AB" does not match ^sha256:[0-9a-f]{64}$"#])
        #expect(violations(#"{"id": 3, \#(at), "labels": {"k": 1}}"#) == ["$.labels.k: expected string, got 1"])
        #expect(violations(#"{"id": 3, \#(at), "ratio": "half"}"#) == [#"$.ratio: expected number, got "half""#])
        #expect(violations(#"[]"#) == ["$: expected object, got an array"])
    }

    @Test func aKeywordItDoesNotKnowIsAViolationNotAPass() {
        let schema = Self.parse(#"{"oneOf": [{"type": "string"}]}"#)
        #expect(validator.violations(of: .integer(1), against: schema) == ["$: the validator does not know the keyword 'oneOf'"])
        #expect(
            validator.violations(of: .integer(1), against: Self.parse(##"{"$ref": "#/components/schemas/Nothing"}"##)) == [
                "$: unresolvable $ref #/components/schemas/Nothing"
            ])
    }
}
