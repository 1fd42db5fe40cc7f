import FleetCore
import Testing

@testable import Registry

/// The signer against AWS's published examples: the SigV4 test suite (`SigV4SuiteCase.all`) and the
/// S3 API reference's worked examples (examplebucket, 2013-05-24: GET with Range, PUT with a signed
/// payload, and a presigned GET URL). Each step is compared, so a failure says which one is wrong.
@Suite struct SigV4VectorTests {
    static let suiteSigner = SigV4Signer(
        credentials: .init(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"), region: "us-east-1",
        service: "service")
    static let suiteTime = Timestamp(secondsSinceEpoch: 1_440_938_160)  // 2015-08-30T12:36:00Z
    static let s3Signer = SigV4Signer(
        credentials: .init(accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"), region: "us-east-1",
        service: "s3")
    static let s3Time = Timestamp(secondsSinceEpoch: 1_369_353_600)  // 2013-05-24T00:00:00Z

    @Test func theTestTimesAreTheExamplesTimes() {
        #expect(SigV4Signer.amzDate(Self.suiteTime) == "20150830T123600Z")
        #expect(SigV4Signer.amzDate(Self.s3Time) == "20130524T000000Z")
    }

    @Test(arguments: SigV4SuiteCase.all) func awsTestSuite(_ test: SigV4SuiteCase) {
        let payloadHash = Digest.of(Array(test.body.utf8)).hex
        let signature = Self.suiteSigner.sign(
            SigV4Request(
                method: test.method, path: test.path, query: test.query, headers: [("Host", "example.amazonaws.com")] + test.headers,
                payloadHash: payloadHash), at: Self.suiteTime)
        #expect(signature.canonicalRequest == test.canonicalRequest)
        #expect(signature.signature == test.signature)
        let signedHeaders = test.canonicalRequest.split(separator: "\n", omittingEmptySubsequences: false).dropLast().last ?? ""
        #expect(
            signature.authorization
                == "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=\(signedHeaders), Signature=\(test.signature)"
        )
    }

    /// The suite's get-vanilla string to sign, so a key-derivation bug and a hashing bug look different.
    @Test func getVanillaStringToSign() {
        let signature = Self.suiteSigner.sign(
            SigV4Request(method: "GET", path: "/", headers: [("Host", "example.amazonaws.com")], payloadHash: SigV4Signer.emptyPayloadHash),
            at: Self.suiteTime)
        #expect(
            signature.stringToSign
                == "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\nbb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63"
        )
    }

    /// S3 API reference, "Example: GET Object": the first 10 bytes of test.txt, empty-payload hash.
    @Test func s3GetObjectWithRange() {
        let signature = Self.s3Signer.sign(
            SigV4Request(
                method: "GET", path: "/test.txt",
                headers: [
                    ("Host", "examplebucket.s3.amazonaws.com"), ("Range", "bytes=0-9"), ("x-amz-content-sha256", SigV4Signer.emptyPayloadHash)
                ], payloadHash: SigV4Signer.emptyPayloadHash), at: Self.s3Time)
        #expect(
            signature.canonicalRequest
                == "GET\n/test.txt\n\nhost:examplebucket.s3.amazonaws.com\nrange:bytes=0-9\nx-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\nx-amz-date:20130524T000000Z\n\nhost;range;x-amz-content-sha256;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        )
        #expect(
            signature.stringToSign
                == "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972"
        )
        #expect(signature.signature == "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")
    }

    /// S3 API reference, "Example: PUT Object": a signed payload and a key that needs encoding (`$`).
    @Test func s3PutObjectWithSignedPayloadAndEncodedKey() {
        let payloadHash = "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072"
        #expect(Digest.of(Array("Welcome to Amazon S3.".utf8)).hex == payloadHash)
        let signature = Self.s3Signer.sign(
            SigV4Request(
                method: "PUT", path: "/test$file.text",
                headers: [
                    ("Host", "examplebucket.s3.amazonaws.com"), ("Date", "Fri, 24 May 2013 00:00:00 GMT"),
                    ("x-amz-storage-class", "REDUCED_REDUNDANCY"), ("x-amz-content-sha256", payloadHash)
                ], payloadHash: payloadHash), at: Self.s3Time)
        #expect(signature.canonicalRequest.hasPrefix("PUT\n/test%24file.text\n\ndate:Fri, 24 May 2013 00:00:00 GMT\n"))
        #expect(
            signature.stringToSign
                == "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n9e0e90d9c76de8fa5b200d8c849cd5b8dc7a3be3951ddb7f6a76b4158342019d"
        )
        #expect(signature.signature == "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd")
    }

    /// S3 API reference, "Authenticating Requests: Using Query Parameters": test.txt for 86,400 s.
    @Test func s3PresignedGetURL() {
        let signature = Self.s3Signer.presign(
            SigV4Request(method: "GET", path: "/test.txt", headers: [("Host", "examplebucket.s3.amazonaws.com")], payloadHash: ""), expiresIn: 86_400,
            at: Self.s3Time)
        #expect(
            signature.canonicalRequest
                == "GET\n/test.txt\nX-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host\nhost:examplebucket.s3.amazonaws.com\n\nhost\nUNSIGNED-PAYLOAD"
        )
        #expect(
            signature.stringToSign
                == "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n3bfa292879f6447bbcda7001decf97f4a54dc650c8942174ae0a9121cf58ad04"
        )
        #expect(signature.signature == "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404")
        #expect(
            SigV4Signer.canonicalQuery(signature.presignedQuery)
                == "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404&X-Amz-SignedHeaders=host"
        )
        #expect(signature.authorization.isEmpty, "a presigned URL carries no Authorization header")
    }

    @Test func percentEncodingKeepsOnlyUnreservedCharacters() {
        #expect(AWSPercentEncoding.encode("a-b_c.d~e/f g+h=é") == "a-b_c.d~e%2Ff%20g%2Bh%3D%C3%A9")
        #expect(AWSPercentEncoding.encodePath("/bucket/chunks/ab/x y.zstd") == "/bucket/chunks/ab/x%20y.zstd")
    }
}
