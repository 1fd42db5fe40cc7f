import Foundation
import Testing

@testable import FleetCore

/// `JSONValueDecoder` must decode what `JSONDecoder` decodes, to the same values, and refuse what it
/// refuses with the same field named: the registry switched its request bodies, manifests and trust
/// documents from one to the other.
@Suite struct JSONValueDecoderTests {
    /// What one decoder made of a text: the value, or `ManifestCoding.describe` of its error.
    enum Outcome<T: Equatable>: Equatable {
        case success(T)
        case failure(String)

        func get() throws -> T {
            guard case .success(let value) = self else { throw CocoaError(.coderReadCorrupt) }
            return value
        }
    }

    /// Both decoders' outcomes on one text.
    func both<T: Decodable & Equatable>(_ type: T.Type, _ text: String) throws -> (ours: Outcome<T>, foundation: Outcome<T>) {
        let document = try JSONParser.parse(Array(text.utf8), limits: .init(maximumBytes: 1 << 20))
        func run(_ body: () throws -> T) -> Outcome<T> {
            do { return .success(try body()) } catch let error as DecodingError { return .failure(ManifestCoding.describe(error)) } catch {
                return .failure("\(error)")
            }
        }
        return (
            run { try JSONValueDecoder().decode(T.self, from: document) },
            run { try JSONDecoder().decode(T.self, from: Data(text.utf8)) }
        )
    }

    static let checkin = #"""
        {"installed":[{"model":"m","version":"1.2.3","variant":"fp32"}],"state":"idle",
         "stats":[{"model":"m","version":"1.2.3","count":7,"errors":0,"latencyP50Milliseconds":1.5}],
         "installs":[{"model":"m","version":"1.2.3","result":"ok","selfTest":"passed"}],
         "profile":{"arch":"x86_64","ramBytes":1073741824,"diskBytes":8589934592,"engineVersion":"1.0.0",
                    "supportedOps":["Gemm","Relu"],"labels":{"site":"a"}}}
        """#

    @Test func decodesACheckinLikeJSONDecoder() throws {
        let (ours, foundation) = try both(CheckinRequest.self, Self.checkin)
        let decoded = try ours.get()
        #expect(ours == foundation)
        #expect(decoded.installed.first?.version == SemanticVersion(major: 1, minor: 2, patch: 3))
        #expect(decoded.stats.first?.latencyP50Milliseconds == 1.5)
        #expect(decoded.profile?.labels == ["site": "a"])
    }

    @Test(arguments: [
        // A missing field, a wrong type, a null where a value must be, a bad enum case, a value the type refuses,
        // a number that does not fit, a fraction for an integer, an array for an object, deep in arrays.
        #"{"installed":[],"stats":[],"installs":[]}"#,
        #"{"installed":[],"state":1,"stats":[],"installs":[]}"#,
        #"{"installed":[],"state":null,"stats":[],"installs":[]}"#,
        #"{"installed":[{"model":"m","version":"1.2.3","variant":"fp32"},{"model":"m","version":"x","variant":"v"}],"state":"idle","stats":[],"installs":[]}"#,
        #"{"installed":[],"state":"idle","stats":[{"model":"m","version":"1.0.0","count":-1,"errors":0}],"installs":[]}"#,
        #"{"installed":[],"state":"idle","stats":[{"model":"m","version":"1.0.0","count":1.5,"errors":0}],"installs":[]}"#,
        #"{"installed":[],"state":"idle","stats":[],"installs":[{"model":"m","version":"1.0.0","result":"maybe"}]}"#,
        #"{"installed":{},"state":"idle","stats":[],"installs":[]}"#,
        #"{"installed":[],"state":"idle","stats":[],"installs":[],"profile":{"arch":"a","ramBytes":"1","diskBytes":1,"engineVersion":"e","supportedOps":[],"labels":{}}}"#,
        #"{"installed":[],"state":"idle","stats":[],"installs":[],"profile":{"arch":"a","ramBytes":1,"diskBytes":1,"engineVersion":"e","supportedOps":[null],"labels":{}}}"#,
        #"{"installed":[],"state":"idle","stats":[],"installs":[],"profile":null}"#,
        #"[]"#
    ])
    func refusesWhatJSONDecoderRefusesNamingTheSameField(text: String) throws {
        let (ours, foundation) = try both(CheckinRequest.self, text)
        switch (ours, foundation) {
        case (.success(let a), .success(let b)): #expect(a == b)
        case (.failure(let a), .failure(let b)):
            // The field named (the text before the first ':') is the same; the wording after it is ours.
            // Where JSONDecoder loses the path (a number that does not fit is "(top level)"), ours names the field.
            let field = a.prefix { $0 != ":" }
            let theirs = b.prefix { $0 != ":" }
            #expect(field == theirs || (theirs == "(top level)" && field.hasPrefix("stats[0].")), "ours: \(a); JSONDecoder: \(b)")
        default: Issue.record("ours: \(ours); JSONDecoder: \(foundation)")
        }
    }

    struct Numbers: Codable, Equatable {
        var small: Int8
        var unsigned: UInt64
        var whole: Int
        var real: Double
        var single: Float
        var flag: Bool
        var blob: Data
        var link: URL
        var maybe: String?
    }

    @Test func numbersDataAndURLsAsJSONDecoderDecodesThem() throws {
        let text = #"{"small":-128,"unsigned":9007199254740992,"whole":1e3,"real":2,"single":0.5,"flag":true,"blob":"AAEC","link":"https://x.test/a?b=c"}"#
        let (oursSmall, foundationSmall) = try both(Numbers.self, text)
        #expect(oursSmall == foundationSmall)
        #expect(try oursSmall.get().blob == Data([0, 1, 2]))
        #expect(try oursSmall.get().whole == 1000)
        let overflow = #"{"small":128,"unsigned":1,"whole":1,"real":2,"single":0.5,"flag":true,"blob":"","link":"a"}"#
        let (oursOverflow, foundationOverflow) = try both(Numbers.self, overflow)
        guard case .failure(let message) = oursOverflow, case .failure = foundationOverflow else {
            Issue.record("128 decoded as an Int8: \(oursOverflow)")
            return
        }
        #expect(message.hasPrefix("small: "))
    }
}
