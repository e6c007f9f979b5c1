import Logging
import ServiceLifecycle
import TollGuardCore
import UnixSignals

/// SIGHUP for `serve`: reads the configuration file again and, when it is valid, installs it
/// and has the live pipeline rebuild its engine from it and from the store's lists, quotas and
/// rates.
///
/// A file that does not load or validate is reported and the running configuration kept.
package struct ConfigurationReloadService: Service {
    package let configuration: ReloadableConfiguration
    /// Loads and validates the configuration file as at start.
    package let load: @Sendable () throws -> TollGuardConfiguration
    /// Tells the live pipeline (`.reload`).
    package let notify: @Sendable () -> Void
    package let logger: Logger

    package init(
        configuration: ReloadableConfiguration, load: @escaping @Sendable () throws -> TollGuardConfiguration,
        notify: @escaping @Sendable () -> Void, logger: Logger
    ) {
        self.configuration = configuration
        self.load = load
        self.notify = notify
        self.logger = logger
    }

    package func run() async throws {
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        await cancelWhenGracefulShutdown {
            for await _ in hangups {
                reload()
            }
        }
    }

    /// One reload; also what SIGHUP does.
    package func reload() {
        let next: TollGuardConfiguration
        do {
            next = try load()
        } catch {
            logger.error(
                "SIGHUP: the configuration was not reloaded, the running one stays", metadata: ["error": "\(error)"])
            return
        }
        let restartOnly = ReloadableConfiguration.needsRestart(from: configuration.current, to: next)
        if !restartOnly.isEmpty {
            logger.warning(
                "SIGHUP: settings changed that take effect when serve restarts",
                metadata: ["config.sections": "\(restartOnly.joined(separator: ", "))"])
        }
        configuration.replace(with: next)
        notify()
    }
}
