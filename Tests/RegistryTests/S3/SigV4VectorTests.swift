import FleetCore
import Testing

@testable import Registry

/// The signer against AWS's published examples: the SigV4 test suite ("get-vanilla",
/// "get-vanilla-query-order-key-case", "post-vanilla"; AKIDEXAMPLE, 2015-08-30T12:36:00Z, service
/// `service`) and the S3 API reference's worked GET and PUT examples (examplebucket, 2013-05-24).
/// Each step is compared, so a failure says which one is wrong.
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

    @Test func getVanilla() {
        let signature = Self.suiteSigner.sign(
            SigV4Request(method: "GET", path: "/", headers: [("Host", "example.amazonaws.com")], payloadHash: SigV4Signer.emptyPayloadHash),
            at: Self.suiteTime)
        #expect(
            signature.canonicalRequest
                == "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        )
        #expect(
            signature.stringToSign
                == "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\nbb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63"
        )
        #expect(signature.signature == "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31")
        #expect(
            signature.authorization
                == "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
        )
    }

    /// The query is given out of order and must be sorted by the signer.
    @Test func getVanillaQueryOrderKeyCase() {
        let signature = Self.suiteSigner.sign(
            SigV4Request(
                method: "GET", path: "/", query: [("Param2", "value2"), ("Param1", "value1")], headers: [("Host", "example.amazonaws.com")],
                payloadHash: SigV4Signer.emptyPayloadHash), at: Self.suiteTime)
        #expect(
            signature.canonicalRequest
                == "GET\n/\nParam1=value1&Param2=value2\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        )
        #expect(
            signature.stringToSign
                == "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n816cd5b414d056048ba4f7c5386d6e0533120fb1fcfa93762cf0fc39e2cf19e0"
        )
        #expect(signature.signature == "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500")
    }

    @Test func postVanilla() {
        let signature = Self.suiteSigner.sign(
            SigV4Request(method: "POST", path: "/", headers: [("Host", "example.amazonaws.com")], payloadHash: SigV4Signer.emptyPayloadHash),
            at: Self.suiteTime)
        #expect(signature.signature == "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b")
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

    @Test func percentEncodingKeepsOnlyUnreservedCharacters() {
        #expect(AWSPercentEncoding.encode("a-b_c.d~e/f g+h=é") == "a-b_c.d~e%2Ff%20g%2Bh%3D%C3%A9")
        #expect(AWSPercentEncoding.encodePath("/bucket/chunks/ab/x y.zstd") == "/bucket/chunks/ab/x%20y.zstd")
    }
}
