import Domain
import Engine
import EventLog
import HTTPAPI
import Logging
import MarqueeCore
import ServiceLifecycle

/// Drives the rules that depend on time passing (billing minutes, grace periods, renewals):
/// sends a `tick` to the writer whenever the decider says something comes due, and at least
/// every `maxWait` (new sessions bring their own due times). Deciding stays in the decider;
/// this is only an alarm clock.
public struct Scheduler: Service {
    let writer: any CommandSubmitting
    let clock: any WallClock
    let logger: Logger
    let maxWaitMillis: Int64

    public init(writer: any CommandSubmitting, clock: any WallClock, logger: Logger, maxWaitMillis: Int64 = 1000) {
        self.writer = writer
        self.clock = clock
        self.logger = logger
        self.maxWaitMillis = maxWaitMillis
    }

    /// One tick now: returns when the next one is due.
    @discardableResult
    public func tick() async throws -> Timestamp? {
        let answer = try await writer.submit(CommandEnvelope(.domain(.tick), meta: RequestMeta(correlationId: "scheduler")))
        if case .ticked(let events, let nextDue) = answer.outcome {
            if !events.isEmpty { logger.debug("scheduler tick", metadata: ["events": "\(events.count)"]) }
            return nextDue
        }
        return nil
    }

    public func run() async throws {
        do {
            try await loop()
        } catch is CancellationError {
            // graceful shutdown
        }
    }

    private func loop() async throws {
        try await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                var wait = maxWaitMillis
                do {
                    if let due = try await tick() {
                        wait = min(maxWaitMillis, max(1, due.milliseconds - clock.now().milliseconds))
                    }
                } catch is CancellationError {
                    return
                } catch let error as WriterError {
                    if case .stopped = error { return }
                    logger.error("scheduler tick failed", metadata: ["error": "\(error)"])
                } catch {
                    logger.error("scheduler tick failed", metadata: ["error": "\(error)"])
                }
                try await Task.sleep(for: .milliseconds(wait))
            }
        }
    }
}
