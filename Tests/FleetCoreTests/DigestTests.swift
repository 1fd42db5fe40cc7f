import Testing

@testable import FleetCore

@Suite struct DigestTests {
    @Test func hashesKnownVectors() {
        // FIPS 180-2 test vectors.
        #expect(Digest.of(Array("abc".utf8)).description == "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(Digest.of([UInt8]()).hex == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    @Test func incrementalHashingMatchesOneShot() {
        let bytes = SeededRandom.bytes(count: 100_000, seed: 7)
        var hasher = DigestHasher()
        hasher.update(bytes[..<333])
        hasher.update(bytes[333...])
        #expect(hasher.finalize() == Digest.of(bytes))
    }

    /// Digests in a request are chosen by the client: ones that share a long prefix must still hash apart,
    /// or a set of them degrades to a list (hash flooding; a 40k-digest query took 27 s).
    @Test func digestsSharingAPrefixHashApart() throws {
        let digests = try (0..<1000).map { index in
            let hex = String(index, radix: 16)
            return try Digest(parsing: "sha256:" + String(repeating: "0", count: 64 - hex.count) + hex)
        }
        #expect(Set(digests.map(\.hashValue)).count >= 990)
    }

    @Test func parsesItsOwnPrintedForm() throws {
        let digest = Digest.of(Array("modelfleet".utf8))
        #expect(try Digest(parsing: digest.description) == digest)
    }

    @Test(arguments: [
        ("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", "must start with 'sha256:'"),
        ("sha512:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", "must start with 'sha256:'"),
        ("sha256:BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD", "only lowercase hex"),
        ("sha256:ba7816bf", "expected 64 hex digits, found 8"),
        ("sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad ", "expected 64 hex digits, found 65"),
        ("sha256:zz7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", "only lowercase hex")
    ])
    func rejectsEverythingButTheCanonicalSpelling(text: String, reason: String) {
        #expect {
            try Digest(parsing: text)
        } throws: { error in
            (error as? FleetError)?.description.contains(reason) == true
        }
    }
}
