import Foundation
import Testing

@testable import FleetCore

@Suite struct ManifestTests {
    @Test func signedManifestVerifiesAndRoundTrips() throws {
        let bytes = try ManifestFixtures.signedBytes()
        let verified = try ManifestFixtures.trust().verify(bytes)
        #expect(verified.manifest.model == "digits-mlp")
        #expect(verified.manifest.publisher == (try ManifestFixtures.publisherKey().publicKey.keyID))
        #expect(verified.digest == Digest.of(bytes))
        // Decoding and re-encoding yields the very same bytes: the form is canonical.
        #expect(try ManifestCoding.encode(verified.manifest) == bytes)
    }

    @Test func canonicalFormHasSortedKeysAndNoWhitespace() throws {
        let text = String(decoding: try ManifestFixtures.signedBytes(), as: UTF8.self)
        #expect(!text.contains(" ") && !text.contains("\n"))
        #expect(
            text.hasPrefix(
                #"{"createdAt":"2026-11-27T08:30:00Z","files":[{"chunking":{"maxSize":262144,"minSize":16384,"mode":"tensor-aware","targetSize":65536},"chunks":[{"codec":"#
            ))
        #expect(text.hasSuffix(#","variant":"fp32","version":"1.0.0"}"#))
    }

    @Test func reorderedAndPrettyPrintedInputStillVerifies() throws {
        // Signatures cover the canonical form, so whitespace and member order in transit do not matter.
        let bytes = try ManifestFixtures.signedBytes()
        let object = try JSONSerialization.jsonObject(with: Data(bytes))
        let pretty = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted])
        #expect([UInt8](pretty) != bytes)
        #expect(try ManifestFixtures.trust().verify([UInt8](pretty)).digest == Digest.of(bytes))
    }

    @Test func everySingleFlippedByteFailsVerificationWithAReason() throws {
        let bytes = try ManifestFixtures.signedBytes()
        let trust = try ManifestFixtures.trust()
        var reasons: [String: Int] = [:]
        for position in bytes.indices {
            var damaged = bytes
            damaged[position] ^= 0x01
            do {
                _ = try trust.verify(damaged)
                Issue.record("flipping byte \(position) ('\(UnicodeScalar(bytes[position]))') went unnoticed")
            } catch let error as FleetError {
                let kinds = ["bad manifest signature", "malformed manifest", "invalid manifest", "untrusted manifest"]
                reasons[kinds.first { error.description.hasPrefix($0) } ?? error.description, default: 0] += 1
            }
        }
        // Value changes are caught by the signature, structural ones by the parser or validator,
        // a changed key id by the trust check; nothing else can happen.
        #expect(Set(reasons.keys).isSubset(of: ["bad manifest signature", "malformed manifest", "invalid manifest", "untrusted manifest"]), "\(reasons)")
        #expect(reasons["bad manifest signature"] ?? 0 > bytes.count / 4, "\(reasons)")
        #expect(reasons["malformed manifest"] ?? 0 > 0)
    }

    @Test func aSignatureFromAnotherKeyIsRejected() throws {
        let impostor = PublisherPrivateKey.generate()
        var forged = try ManifestSigning.sign(try ManifestFixtures.unsigned(), with: impostor)
        #expect {
            try ManifestFixtures.trust().verify(try ManifestCoding.encode(forged))
        } throws: { error in
            (error as? FleetError)?.description == "untrusted manifest: publisher key \(impostor.publicKey.keyID) is not among the 1 trusted key(s)"
        }
        // Claiming the trusted key id does not help: the signature still does not match.
        forged.publisher = try ManifestFixtures.publisherKey().publicKey.keyID
        #expect {
            try ManifestFixtures.trust().verify(try ManifestCoding.encode(forged))
        } throws: { error in
            (error as? FleetError)?.description.hasSuffix("signature does not match the manifest's content") == true
        }
    }

    @Test func unsignedManifestsAreRejected() throws {
        var manifest = try ManifestFixtures.unsigned()
        manifest.publisher = try ManifestFixtures.publisherKey().publicKey.keyID
        #expect {
            try ManifestFixtures.trust().verify(try ManifestCoding.encode(manifest))
        } throws: { error in
            (error as? FleetError)?.description == "untrusted manifest: the manifest is not signed"
        }
    }

    @Test func truncatedManifestJSONIsRejected() throws {
        let bytes = try ManifestFixtures.signedBytes()
        for cut in [1, bytes.count / 3, bytes.count - 1] {
            #expect {
                try ManifestFixtures.trust().verify(Array(bytes.prefix(cut)))
            } throws: { error in
                (error as? FleetError)?.description.hasPrefix("malformed manifest: document ends early (truncated?)") == true
            }
        }
    }

    @Test func oversizedManifestJSONIsRejectedBeforeParsing() throws {
        let bytes = try ManifestFixtures.signedBytes()
        #expect {
            try ManifestFixtures.trust().verify(bytes, maximumBytes: 1024)
        } throws: { error in
            (error as? FleetError)?.description == "malformed manifest: document is \(bytes.count) bytes, over the limit of 1024"
        }
    }

    @Test(arguments: [
        (#"[1,2]"#, "malformed manifest: the document is not a JSON object"),
        (#"{"format":1,"model":"m"} x"#, "malformed manifest: unexpected data after the document at byte 25"),
        (#"{"a":1,"a":2}"#, "malformed manifest: duplicate member \"a\" at byte 7"),
        (#"{"format":2}"#, "malformed manifest: format 2 is not supported (this build reads format 1)"),
        (#"{"format":1}"#, "malformed manifest: model: required field is missing")
    ])
    func malformedDocumentsNameTheProblem(json: String, message: String) {
        #expect {
            try ManifestCoding.decode(Array(json.utf8))
        } throws: { error in
            (error as? FleetError)?.description == message
        }
    }

    @Test func badFieldValuesNameTheField() throws {
        let bytes = try ManifestFixtures.signedBytes()
        let text = String(decoding: bytes, as: UTF8.self)
        let badDigest = text.replacingOccurrences(of: #""digest":"sha256:"#, with: #""digest":"sha1:"#)
        #expect {
            try ManifestCoding.decode(Array(badDigest.utf8))
        } throws: { error in
            (error as? FleetError)?.description.hasPrefix("malformed manifest: files[0].digest: malformed digest 'sha1:") == true
        }
        let badVersion = text.replacingOccurrences(of: #""version":"1.0.0""#, with: #""version":"1.0""#)
        #expect {
            try ManifestCoding.decode(Array(badVersion.utf8))
        } throws: { error in
            (error as? FleetError)?.description == "malformed manifest: version: malformed version '1.0': expected MAJOR.MINOR.PATCH"
        }
    }

    @Test func manifestsThatContradictThemselvesAreInvalid() throws {
        let base = try ManifestFixtures.unsigned()
        func expectInvalid(_ edit: (inout Manifest) -> Void, _ message: String, sourceLocation: SourceLocation = #_sourceLocation) {
            var manifest = base
            edit(&manifest)
            #expect(sourceLocation: sourceLocation) {
                try ManifestValidator.validate(manifest)
            } throws: { error in
                (error as? FleetError)?.description == "invalid manifest: \(message)"
            }
        }
        expectInvalid(
            { $0.files[0].path = "../etc/passwd" }, "file path '../etc/passwd' must be relative, '/'-separated, without empty, '.' or '..' components")
        expectInvalid({ $0.files[0].path = "/abs" }, "file path '/abs' must be relative, '/'-separated, without empty, '.' or '..' components")
        expectInvalid(
            {
                $0.files[1].path = "model.onnx"
                $0.selfTest = nil
            }, "file 'model.onnx' is listed twice")
        expectInvalid({ $0.files[0].size += 1 }, "file 'model.onnx': chunks cover \(base.files[0].size) bytes but the file has \(base.files[0].size + 1)")
        expectInvalid(
            { $0.files[0].chunks.remove(at: 1) },
            "file 'model.onnx': chunk 1 starts at \(base.files[0].chunks[2].offset), expected \(base.files[0].chunks[1].offset) (chunks must tile the file in order)"
        )
        expectInvalid({ $0.model = "Digits MLP" }, "model name 'Digits MLP' must be 1-128 characters of a-z 0-9 . _ -, not starting with . or -")
        expectInvalid({ $0.selfTest?.inputs = ["missing.pb"] }, "self-test refers to 'missing.pb', which is not among the files")
        expectInvalid({ $0.selfTest?.absoluteTolerance = -1 }, "self-test tolerance -1.0 must be a finite number >= 0")
        expectInvalid({ $0.files = [] }, "a manifest must list at least one file")
        // Issue #15: lengths that tile a file but overflow a 64-bit sum (the validator used to trap adding them).
        expectInvalid(
            { manifest in
                let chunk = manifest.files[0].chunks[0]
                manifest.files[0].chunks = (0..<3).map { index in
                    Manifest.Chunk(offset: UInt64(index) * UInt64(Int.max), length: .max, storedLength: .max, codec: chunk.codec, digest: chunk.digest)
                }
            }, "file 'model.onnx': chunk 0 is \(Int.max) bytes (\(Int.max) stored), over the limit of 1073741824 bytes")
    }

    @Test func sizesAddUp() throws {
        let manifest = try ManifestFixtures.unsigned()
        #expect(manifest.totalSize == manifest.files.reduce(0) { $0 + $1.size })
        #expect(manifest.totalStoredSize < manifest.totalSize)
    }
}
