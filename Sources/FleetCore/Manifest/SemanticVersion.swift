/// A Semantic Versioning 2.0.0 version: `MAJOR.MINOR.PATCH[-prerelease][+build]`.
///
/// Ordering follows the spec (pre-releases sort before their release; build metadata is ignored for
/// ordering), because agents refuse to move to a lower version unless a signed rollback says so.
public struct SemanticVersion: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var major: UInt64
    public var minor: UInt64
    public var patch: UInt64
    public var prerelease: [String]
    public var build: [String]

    public init(major: UInt64, minor: UInt64, patch: UInt64, prerelease: [String] = [], build: [String] = []) {
        self.major = major
        self.minor = minor
        self.patch = patch
        self.prerelease = prerelease
        self.build = build
    }

    public init(parsing text: String) throws {
        func fail(_ reason: String) -> FleetError { .malformedVersion(text, reason: reason) }
        guard text.utf8.count <= 256 else { throw fail("longer than 256 characters") }
        var rest = Substring(text)
        var build: [String] = []
        if let plus = rest.firstIndex(of: "+") {
            build = try Self.identifiers(rest[rest.index(after: plus)...], numericRule: false, fail: fail)
            rest = rest[..<plus]
        }
        var prerelease: [String] = []
        if let dash = rest.firstIndex(of: "-") {
            prerelease = try Self.identifiers(rest[rest.index(after: dash)...], numericRule: true, fail: fail)
            rest = rest[..<dash]
        }
        let core = rest.split(separator: ".", omittingEmptySubsequences: false)
        guard core.count == 3 else { throw fail("expected MAJOR.MINOR.PATCH") }
        let numbers = try core.map { part -> UInt64 in
            guard !part.isEmpty, part.allSatisfy(\.isASCIIDigit) else { throw fail("'\(part)' is not a number") }
            guard part == "0" || part.first != "0" else { throw fail("'\(part)' has a leading zero") }
            guard let value = UInt64(part) else { throw fail("'\(part)' is too large") }
            return value
        }
        self.init(major: numbers[0], minor: numbers[1], patch: numbers[2], prerelease: prerelease, build: build)
    }

    private static func identifiers(_ text: Substring, numericRule: Bool, fail: (String) -> FleetError) throws -> [String] {
        try text.split(separator: ".", omittingEmptySubsequences: false).map { part in
            guard !part.isEmpty else { throw fail("empty identifier") }
            guard part.allSatisfy({ $0.isASCIIDigit || $0.isASCIILetter || $0 == "-" }) else {
                throw fail("identifier '\(part)' may only hold ASCII letters, digits and '-'")
            }
            if numericRule, part.allSatisfy(\.isASCIIDigit), part.count > 1, part.first == "0" {
                throw fail("numeric identifier '\(part)' has a leading zero")
            }
            return String(part)
        }
    }

    public var description: String {
        var text = "\(major).\(minor).\(patch)"
        if !prerelease.isEmpty { text += "-" + prerelease.joined(separator: ".") }
        if !build.isEmpty { text += "+" + build.joined(separator: ".") }
        return text
    }

    public static func < (lhs: SemanticVersion, rhs: SemanticVersion) -> Bool {
        if (lhs.major, lhs.minor, lhs.patch) != (rhs.major, rhs.minor, rhs.patch) {
            return (lhs.major, lhs.minor, lhs.patch) < (rhs.major, rhs.minor, rhs.patch)
        }
        switch (lhs.prerelease.isEmpty, rhs.prerelease.isEmpty) {
        case (true, _): return false
        case (false, true): return true
        case (false, false): break
        }
        for (left, right) in zip(lhs.prerelease, rhs.prerelease) where left != right {
            switch (UInt64(left), UInt64(right)) {
            case (let l?, let r?): return l < r
            case (.some, nil): return true
            case (nil, .some): return false
            case (nil, nil): return left < right
            }
        }
        return lhs.prerelease.count < rhs.prerelease.count
    }

    /// Precedence equality (build metadata ignored), as opposed to `==` which compares spelling.
    public func hasSamePrecedence(as other: SemanticVersion) -> Bool {
        !(self < other) && !(other < self)
    }
}

extension SemanticVersion: ParsedStringCodable {}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
    var isASCIILetter: Bool { isASCII && isLetter }
}
