/// Why the registry will not start on its S3 bucket, in one line that says what to fix: the
/// operator sees this instead of the first request failing, or a stack of retries.
public struct S3StartupFailure: Error, CustomStringConvertible, Sendable {
    public var description: String

    init(bucket: String, endpoint: S3Endpoint, error: any Error) {
        let subject = "chunk store s3://\(bucket) at \(endpoint)"
        switch error {
        case let failure as S3RequestFailed where failure.status == 404:
            description = "\(subject): the bucket does not exist (the registry does not create it; create it, or correct storage.chunks)"
        case let failure as S3RequestFailed where failure.status == 403:
            description = "\(subject): access denied (HTTP 403): check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, and that they may read the bucket"
        case let failure as S3RequestFailed where failure.status == 301 || failure.status == 400:
            description = "\(subject): the endpoint refused the request (HTTP \(failure.status)): check AWS_REGION and AWS_ENDPOINT_URL"
        case let failure as S3RequestFailed:
            description = "\(subject): \(failure)"
        case let failure as S3Transport.Failure:
            description = "chunk store s3://\(bucket): \(failure)"
        default:
            description = "\(subject): \(error)"
        }
    }
}
