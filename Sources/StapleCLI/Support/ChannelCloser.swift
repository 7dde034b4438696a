import NIOCore
import ServiceLifecycle

/// Closes a channel (the status endpoint) at graceful shutdown.
struct ChannelCloser: Service {
    let channel: (any Channel)?

    func run() async throws {
        try? await gracefulShutdown()
        try? await channel?.close()
    }
}
