/// How to reach S3: the usual AWS variables (`AWS_ENDPOINT_URL`, `AWS_ACCESS_KEY_ID`,
/// `AWS_SECRET_ACCESS_KEY`, `AWS_REGION`) or the `s3:` section of registry.yaml.
public struct S3Settings: Sendable, Equatable {
    /// Nil: AWS itself, `https://s3.<region>.amazonaws.com` (path-style there too).
    public var endpointURL: String?
    public var accessKeyID: String?
    public var secretAccessKey: String?
    public var region = "us-east-1"

    public init() {}

    /// A client for `bucket`, or one line naming the missing or malformed setting.
    func client(bucket: String) throws -> S3Client {
        let endpoint = try S3Endpoint(parsing: endpointURL ?? "https://s3.\(region).amazonaws.com")
        guard let accessKeyID, !accessKeyID.isEmpty, let secretAccessKey, !secretAccessKey.isEmpty else {
            throw S3Endpoint.Invalid(
                description:
                    "chunk store s3://\(bucket) needs credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or s3.access_key_id and s3.secret_access_key)"
            )
        }
        return S3Client(endpoint: endpoint, bucket: bucket, region: region, credentials: .init(accessKeyID: accessKeyID, secretAccessKey: secretAccessKey))
    }
}
