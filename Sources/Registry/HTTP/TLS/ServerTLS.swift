import Foundation
import NIOSSL
import Synchronization

/// The registry's TLS identity, swappable while it serves.
///
/// Every accepted connection gets its own `NIOSSLServerHandler`, built from the context that is
/// current at that moment (`makeHandler`). `reload()` reads the files again and swaps the context:
/// connections already open keep the session they negotiated, new ones present the new certificate,
/// and nothing is dropped. This is why the registry adds TLS to its own pipeline rather than using
/// HummingbirdTLS, whose context is fixed when the server starts.
public final class ServerTLS: Sendable {
    public let files: Files
    private let current: Mutex<NIOSSLContext>

    /// Where the identity comes from (`tls.*` settings).
    public struct Files: Sendable, Equatable {
        public var certificate: String
        public var key: String
        public var clientCA: String?

        public init(certificate: String, key: String, clientCA: String?) {
            self.certificate = certificate
            self.key = key
            self.clientCA = clientCA
        }
    }

    /// A certificate, key or CA file that cannot be used, with the file and the reason in one line.
    public struct Unusable: Error, CustomStringConvertible {
        public var description: String
    }

    /// Reads and checks the files (blocking I/O: call it off the event loops).
    public init(files: Files) throws(Unusable) {
        self.files = files
        current = Mutex(try Self.context(for: files))
    }

    /// Reads the files again and serves new connections with them. On any error the certificate in
    /// use stays in use, so a half-copied file cannot take the registry off the network.
    public func reload() throws(Unusable) {
        let fresh = try Self.context(for: files)
        current.withLock { $0 = fresh }
    }

    /// The TLS handler for one new connection, with the identity current now.
    func makeHandler() -> NIOSSLServerHandler {
        NIOSSLServerHandler(context: current.withLock { $0 })
    }

    /// TLS 1.2 or newer with NIOSSL's default cipher suites; client certificates required when a client CA is given.
    static func context(for files: Files) throws(Unusable) -> NIOSSLContext {
        let chain = try certificates(in: files.certificate, setting: "tls.cert_file (--tls-cert)")
        let key: NIOSSLPrivateKey
        do {
            key = try NIOSSLPrivateKey(bytes: try bytes(of: files.key, setting: "tls.key_file (--tls-key)"), format: .pem)
        } catch let error as Unusable {
            throw error
        } catch {
            throw Unusable(description: "the TLS key file \(files.key) holds no PEM private key it can use (tls.key_file, --tls-key): \(error)")
        }
        var configuration: TLSConfiguration
        if let clientCA = files.clientCA {
            let authorities = try certificates(in: clientCA, setting: "tls.client_ca_file (--tls-client-ca)")
            configuration = .makeServerConfigurationWithMTLS(
                certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key), trustRoots: .certificates(authorities))
            // Tells clients which CA's certificate to present.
            configuration.sendCANameList = true
        } else {
            configuration = .makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        }
        configuration.minimumTLSVersion = .tlsv12
        do {
            return try NIOSSLContext(configuration: configuration)
        } catch NIOSSLError.failedToLoadPrivateKey {
            throw Unusable(description: "the TLS key file \(files.key) is not the private key of the certificate in \(files.certificate)")
        } catch {
            throw Unusable(description: "cannot use the TLS certificate \(files.certificate) with the key \(files.key): \(error)")
        }
    }

    /// Every PEM certificate in `path`; none is an error.
    private static func certificates(in path: String, setting: String) throws(Unusable) -> [NIOSSLCertificate] {
        let pem = try bytes(of: path, setting: setting)
        let found: [NIOSSLCertificate]
        do { found = try NIOSSLCertificate.fromPEMBytes(pem) } catch {
            throw Unusable(description: "the file \(path) holds no readable PEM certificate (\(setting)): \(error)")
        }
        guard !found.isEmpty else { throw Unusable(description: "the file \(path) holds no PEM certificate (\(setting))") }
        return found
    }

    private static func bytes(of path: String, setting: String) throws(Unusable) -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            let reason = FileManager.default.fileExists(atPath: path) ? "it is not readable" : "no such file"
            throw Unusable(description: "cannot read \(path) (\(setting)): \(reason)")
        }
        return [UInt8](data)
    }
}
