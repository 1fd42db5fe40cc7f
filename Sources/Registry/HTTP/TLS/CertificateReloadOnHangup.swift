import Dispatch
import Logging
import ServiceLifecycle

#if canImport(Glibc)
import Glibc
#endif

/// Re-reads the TLS certificate and key when the process gets SIGHUP, the usual "reload your files"
/// signal (what a certificate renewal hook sends), so a renewed certificate needs no restart and
/// drops no connection (`ServerTLS.reload`).
///
/// The signal is caught from construction on, before the server listens: SIGHUP's default action
/// ends the process, and a renewal hook that fires during start-up must not do that.
final class CertificateReloadOnHangup: Service, @unchecked Sendable {
    /// Touched only here and in `run` (resume, cancel), both of which dispatch makes thread-safe.
    private let source: any DispatchSourceSignal

    init(tls: ServerTLS, logger: Logger) {
        signal(SIGHUP, SIG_IGN)  // dispatch delivers it instead
        // A utility queue: reading files and building a TLS context block, and must not on an event loop.
        source = DispatchSource.makeSignalSource(signal: SIGHUP, queue: .global(qos: .utility))
        source.setEventHandler {
            do {
                try tls.reload()
                logger.notice("SIGHUP: reloaded the TLS certificate \(tls.files.certificate); new connections use it")
            } catch {
                logger.error("SIGHUP: kept the TLS certificate in use, the new one cannot be used: \(error)")
            }
        }
        source.resume()
    }

    func run() async throws {
        try? await gracefulShutdown()
        source.cancel()
    }
}
