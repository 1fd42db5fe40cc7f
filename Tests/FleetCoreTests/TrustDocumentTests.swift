import FleetCore
import Foundation
import Testing

/// Trust documents: signed by a root, accepted only forward, rotating the root, revoking keys.
@Suite struct TrustDocumentTests {
    let rootA = PublisherPrivateKey.generate()
    let rootB = PublisherPrivateKey.generate()
    let alice = PublisherPrivateKey.generate()
    let bob = PublisherPrivateKey.generate()
    let now = Timestamp(secondsSinceEpoch: 1_800_000_000)

    func document(
        _ version: Int, by root: PublisherPrivateKey, publishers: [PublisherPrivateKey], revoked: [PublisherPrivateKey] = [],
        nextRoot: PublisherPrivateKey? = nil, lifetime: Int64 = 86_400
    ) throws -> [UInt8] {
        try TrustDocumentCoding.encode(
            TrustDocument(
                version: version, issuedAt: now, expires: Timestamp(secondsSinceEpoch: now.secondsSinceEpoch + lifetime),
                publishers: publishers.map(\.publicKey), revoked: revoked.map(\.publicKey.keyID), nextRoot: nextRoot?.publicKey, signedBy: root))
    }

    @Test func aSignedDocumentIsAcceptedAndListsItsPublishers() throws {
        var chain = TrustChain(root: rootA.publicKey)
        let accepted = try chain.accept(try document(1, by: rootA, publishers: [alice, bob]))
        #expect(accepted.version == 1)
        #expect(Set(try chain.publishers().keys.keys) == [alice.publicKey.keyID, bob.publicKey.keyID])
        #expect(chain.isCurrent(at: now))
        #expect(!chain.isCurrent(at: Timestamp(secondsSinceEpoch: now.secondsSinceEpoch + 86_400)))
    }

    @Test func anotherRootIsRefused() throws {
        var chain = TrustChain(root: rootA.publicKey)
        #expect {
            try chain.accept(try document(1, by: rootB, publishers: [alice]))
        } throws: { error in
            "\(error)".contains("is signed by root \(rootB.publicKey.keyID), but the trusted root is \(rootA.publicKey.keyID)")
        }
        #expect(chain.latest == nil)
    }

    @Test func olderOrEqualVersionsAreRefusedAsRollbacks() throws {
        var chain = TrustChain(root: rootA.publicKey)
        try chain.accept(try document(5, by: rootA, publishers: [bob], revoked: [alice]))
        for version in [4, 5] {
            #expect {
                try chain.accept(try document(version, by: rootA, publishers: [alice]))
            } throws: { error in
                "\(error)".contains("v\(version) is not newer than the accepted v5")
            }
        }
        #expect(chain.latest?.version == 5)
        #expect(try chain.publishers().keys.keys.sorted() == [bob.publicKey.keyID])
    }

    @Test func aTamperedDocumentIsRefused() throws {
        let bytes = try document(1, by: rootA, publishers: [alice])
        // Add bob's key to the list without the root's signature.
        let text = String(decoding: bytes, as: UTF8.self)
        let forged = text.replacingOccurrences(
            of: "\"publishers\":[", with: "\"publishers\":[\(String(data: try JSONEncoder().encode(bob.publicKey.pem), encoding: .utf8)!),")
        #expect(forged != text)
        var chain = TrustChain(root: rootA.publicKey)
        #expect {
            try chain.accept(Array(forged.utf8))
        } throws: { error in
            "\(error)".contains("the signature does not match the document")
        }
    }

    @Test func revokedKeysAreLeftOutEvenWhenListed() throws {
        var chain = TrustChain(root: rootA.publicKey)
        try chain.accept(try document(1, by: rootA, publishers: [alice, bob], revoked: [alice]))
        let publishers = try chain.publishers()
        #expect(publishers.keys.keys.sorted() == [bob.publicKey.keyID])
    }

    /// v1 (root A) hands over to root B; v2 must be signed by B, and A can no longer sign.
    @Test func aRotationMovesTheChainToTheNextRoot() throws {
        var chain = TrustChain(root: rootA.publicKey)
        try chain.accept(try document(1, by: rootA, publishers: [alice], nextRoot: rootB))
        #expect(chain.root == rootB.publicKey)
        #expect {
            try chain.accept(try document(2, by: rootA, publishers: [alice, bob]))
        } throws: { error in
            "\(error)".contains("but the trusted root is \(rootB.publicKey.keyID)")
        }
        try chain.accept(try document(2, by: rootB, publishers: [bob]))
        #expect(try chain.publishers().keys.keys.sorted() == [bob.publicKey.keyID])
        // A device resuming from the stored document continues from root B.
        let resumed = try TrustChain(resumingAt: try #require(chain.latest))
        #expect(resumed.root == rootB.publicKey)
    }

    @Test func notATrustDocumentIsRefused() throws {
        var chain = TrustChain(root: rootA.publicKey)
        for (bytes, reason) in [
            (Array("[]".utf8), "type"), (Array(#"{"type":"modelfleet-trust"}"#.utf8), "version"), (Array("{".utf8), "malformed JSON")
        ] {
            #expect(throws: FleetError.self, "\(reason)") { try chain.accept(bytes) }
        }
    }

    @Test func aDocumentThatExpiresBeforeItIsIssuedCannotBeMade() {
        #expect(throws: FleetError.self) {
            try TrustDocument(version: 1, issuedAt: now, expires: now, publishers: [], signedBy: rootA)
        }
    }
}
