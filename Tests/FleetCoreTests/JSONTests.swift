import Testing

@testable import FleetCore

@Suite struct JSONTests {
    func parse(_ text: String) throws -> JSONValue {
        try JSONParser.parse(Array(text.utf8), limits: .init(maximumBytes: 1 << 20, maximumDepth: 8))
    }

    func canonical(_ text: String) throws -> String {
        String(decoding: CanonicalJSON.encode(try parse(text)), as: UTF8.self)
    }

    @Test func canonicalisesWhitespaceOrderNumbersAndEscapes() throws {
        #expect(
            try canonical(#" { "b" : [1, 2.50, -0, 1e2], "a":"x\/y\u00e9\n\u0001", "c": {"z":null,"y":true} } "#)
                == #"{"a":"x/yé\n\u0001","b":[1,2.5,0,100.0],"c":{"y":true,"z":null}}"#)
        #expect(try canonical(#""\ud83d\ude00""#) == "\"😀\"")
    }

    @Test func keepsIntegersExact() throws {
        #expect(try parse("9223372036854775807") == .integer(.max))
        #expect(try parse("-9223372036854775808") == .integer(.min))
    }

    @Test(arguments: [
        ("", "document ends early (truncated?): expected a value at byte 0"),
        ("{\"a\":1", "document ends early (truncated?): expected ',' or '}' in object at byte 6"),
        ("[1,]", "unexpected character ']' at byte 3"),
        ("01", "leading zeros are not allowed at byte 1"),
        ("9223372036854775808", "integer 9223372036854775808 is out of the 64-bit range at byte 0"),
        ("1e999", "number 1e999 is out of range at byte 0"),
        ("\"a\u{01}\"", "control character 0x01 must be escaped in a string at byte 2"),
        (#""\ud800""#, "lone high surrogate \\ud800 at byte 7"),
        (#""\x""#, "invalid escape '\\x' at byte 2"),
        ("tru", "document ends early (truncated?): invalid literal, expected 'true' at byte 3"),
        ("[[[[[[[[[1]]]]]]]]]", "nesting deeper than 8 levels at byte 8"),
        ("{\"a\":1,\"a\":1}", "duplicate member \"a\" at byte 7"),
        ("1 2", "unexpected data after the document at byte 2")
    ])
    func rejectsWithTheOffset(text: String, message: String) {
        #expect {
            try parse(text)
        } throws: { error in
            (error as? JSONParser.Failure)?.description == message
        }
    }

    @Test func rejectsInvalidUTF8() {
        for bytes: [UInt8] in [[0x22, 0xff, 0x22], [0x22, 0xc0, 0x80, 0x22], [0x22, 0xed, 0xa0, 0x80, 0x22], [0x22, 0xe2, 0x82]] {
            #expect(throws: JSONParser.Failure.self) {
                try JSONParser.parse(bytes, limits: .init(maximumBytes: 100))
            }
        }
    }
}

@Suite struct SemanticVersionTests {
    @Test func ordersAsTheSpecSays() throws {
        // The precedence example from semver.org, section 11.
        let ordered = [
            "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2",
            "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "1.0.1", "1.1.0", "2.0.0", "10.0.0"
        ]
        let versions = try ordered.map(SemanticVersion.init(parsing:))
        for (lower, higher) in zip(versions, versions.dropFirst()) {
            #expect(lower < higher, "\(lower) < \(higher)")
            #expect(!(higher < lower))
        }
        #expect(try SemanticVersion(parsing: "1.0.0+build.5").hasSamePrecedence(as: try SemanticVersion(parsing: "1.0.0")))
        #expect(try SemanticVersion(parsing: "1.2.3-rc.1+exp.sha.5114f85").description == "1.2.3-rc.1+exp.sha.5114f85")
    }

    @Test(arguments: ["1.0", "1.0.0.0", "01.0.0", "1.0.0-", "1.0.0-01", "1.0.0+", "v1.0.0", "1.0.0-a..b", "1.0.0-ä", "-1.0.0", ""])
    func rejectsMalformedVersions(text: String) {
        #expect {
            try SemanticVersion(parsing: text)
        } throws: { error in
            (error as? FleetError)?.description.hasPrefix("malformed version '\(text)': ") == true
        }
    }
}

@Suite struct TimestampTests {
    @Test func convertsBothWays() throws {
        #expect(Timestamp(secondsSinceEpoch: 0).description == "1970-01-01T00:00:00Z")
        #expect(Timestamp(secondsSinceEpoch: 951_782_400).description == "2000-02-29T00:00:00Z")
        #expect(try Timestamp(parsing: "2026-11-27T08:30:00Z").secondsSinceEpoch == 1_795_768_200)
        for seconds in stride(from: Int64(-86_400 * 400), to: 4_102_444_800, by: 7_777_777) {
            #expect(try Timestamp(parsing: Timestamp(secondsSinceEpoch: seconds).description).secondsSinceEpoch == seconds)
        }
    }

    @Test(arguments: ["2026-11-27 08:30:00Z", "2026-11-27T08:30:00+01:00", "2026-02-30T00:00:00Z", "2026-11-27T24:00:00Z", "2026-11-27T08:30:00.5Z"])
    func rejectsOtherSpellings(text: String) {
        #expect(throws: FleetError.self) { try Timestamp(parsing: text) }
    }
}
