import Logging
import ServiceLifecycle
import StaplingProxy
import UnixSignals

/// Reloads certificates and keys on SIGHUP, until graceful shutdown.
struct HangupReloader: Service {
    let server: StapleServer
    let logger: Logger

    func run() async throws {
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        await cancelWhenGracefulShutdown {
            for await _ in hangups {
                do throws(ServeError) {
                    try await server.reload()
                } catch {
                    logger.error(
                        "Reload failed; still serving the previous certificates",
                        metadata: ["error": "\(error)", "error.code": "\(error.code)"])
                }
            }
        }
    }
}
