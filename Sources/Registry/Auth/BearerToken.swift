import Crypto
public import FleetCore

/// Bearer tokens: 32 random bytes in hex behind a prefix naming the kind (`mfa_` admin,
/// `mfe_` enrollment, `mfd_` device), so a leaked token is recognisable in logs and scanners.
/// Only their SHA-256 is stored: a stolen database grants nothing.
public enum BearerToken {
    public static func generate(kind: TokenKind) -> String {
        let prefix: String
        switch kind {
        case .admin: prefix = "mfa_"
        case .enrollment: prefix = "mfe_"
        case .device: prefix = "mfd_"
        }
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return prefix + Hex.encode(bytes)
    }

    public static func hash(_ token: String) -> String {
        Digest.of(Array(token.utf8)).hex
    }
}
