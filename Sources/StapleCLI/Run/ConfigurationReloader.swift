import Logging
import ServiceLifecycle
import StapleRun
import UnixSignals

/// SIGHUP: reads the configuration again and hands it to the service; an invalid one is logged
/// and the running one kept.
struct ConfigurationReloader: Service {
    let service: RunService
    let source: RunConfigurationSource
    let logger: Logger

    func run() async throws {
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        for await _ in hangups.cancelOnGracefulShutdown() {
            logger.notice("SIGHUP: reading the configuration again")
            do {
                let loaded = try source.load()
                let problems = RunConfigurationValidator.problems(in: loaded.configuration)
                guard problems.isEmpty else {
                    for problem in problems {
                        logger.error(
                            "Configuration not taken; still running the previous one",
                            metadata: ["error": "\(problem.message)"])
                    }
                    continue
                }
                try await service.apply(loaded.configuration)
            } catch let error as ConfigurationError {
                logger.error(
                    "Configuration not taken; still running the previous one", metadata: ["error": "\(error.message)"])
            } catch let error as RunError {
                logger.error(
                    "Configuration not taken; still running the previous one", metadata: ["error": "\(error.message)"])
            } catch {
                logger.error("Configuration not taken; still running the previous one", metadata: ["error": "\(error)"])
            }
        }
    }
}
