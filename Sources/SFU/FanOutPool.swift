import CMediaIO
import Foundation
import MarqueeCore

/// Runs one fan-out's chunks on the media loop's thread and on helper threads at once.
///
/// One publisher packet to 500 viewers is 500 encryptions and sends (~5 ms on one core); with
/// helpers the copies leave about as many times sooner, and the fan-out can use more than one
/// core. A fan-out is cut into chunks of viewers; the loop and each helper claim chunks until
/// none is left (a helper that wakes late simply finds none), and `run` returns only when every
/// chunk has finished. So a viewer is served by one thread within a fan-out, its state and SRTP
/// session never touched by two threads at once, and its copy of the next packet never leaves
/// before this one (each chunk is sent before it counts as finished). Between fan-outs the loop
/// alone owns every session again.
///
/// Each thread writes into its own `SendBuffer` (`buffers[0]` is the loop's). Helpers start on
/// the first parallel fan-out and stop with `stop()` (or when the pool goes).
final class FanOutPool: @unchecked Sendable {
    /// Viewers per chunk: big enough that claiming costs nothing next to the work, small enough
    /// that the threads end together.
    static let chunkSize = 32

    let buffers: [SendBuffer]
    /// Fan-outs to fewer viewers than this stay on the loop's thread (waking a helper costs more).
    let parallelFrom: Int
    private let shared = Shared()
    private var started = false

    /// What the helper threads hold: the coordination word and the work in progress. Freed when
    /// the pool and every helper are gone (a helper may still be leaving after `stop()`).
    private final class Shared: @unchecked Sendable {
        let state: OpaquePointer = mq_fanout_create()
        var stopped = false
        /// The chunk work of the fan-out in progress: (buffer index, chunk index). Written by the
        /// loop before it publishes a generation, read by helpers after they see it.
        var work: ((Int, Int) -> Void)?
        deinit { mq_fanout_destroy(state) }
    }

    /// `threads` counts the loop's own: 1 means no helper.
    init(descriptor: CInt?, threads: Int, parallelFrom: Int) {
        buffers = (0..<max(1, threads)).map { _ in SendBuffer(descriptor: descriptor) }
        self.parallelFrom = max(1, parallelFrom)
    }

    deinit { stop() }

    var helperCount: Int { buffers.count - 1 }

    /// Runs `work(buffer, chunk)` for every chunk of `count` viewers (chunk c covers viewers
    /// c × chunkSize ..< (c + 1) × chunkSize), in parallel when there are helpers and enough
    /// viewers; returns when all of it is done and sent.
    func run(viewers count: Int, _ work: @escaping (Int, Int) -> Void) {
        let chunks = (count + Self.chunkSize - 1) / Self.chunkSize
        guard helperCount > 0, count >= parallelFrom, chunks > 1, !shared.stopped else {
            for chunk in 0..<chunks { work(0, chunk) }
            return
        }
        startHelpers()
        let state = shared.state
        shared.work = work
        let generation = mq_fanout_publish(state, UInt32(chunks))
        while case let chunk = mq_fanout_claim(state, generation), chunk >= 0 {
            work(0, Int(chunk))
            mq_fanout_finish(state)
        }
        mq_fanout_wait(state)
        shared.work = nil
    }

    /// Wakes the helpers for good; they exit once their current chunk is done.
    func stop() {
        guard !shared.stopped else { return }
        shared.stopped = true
        mq_fanout_stop(shared.state)
    }

    private func startHelpers() {
        guard !started else { return }
        started = true
        for index in 1...helperCount {
            Thread { [shared] in Self.helper(index, shared) }.start()
        }
    }

    private static func helper(_ index: Int, _ shared: Shared) {
        ThreadName.set("media-fanout-\(index)")
        var seen: UInt32 = 0
        while true {
            let generation = mq_fanout_next(shared.state, seen)
            guard generation != 0 else { return }
            seen = generation
            while case let chunk = mq_fanout_claim(shared.state, generation), chunk >= 0 {
                // a claimed chunk belongs to the published fan-out, whose work is set until it ends
                shared.work?(index, Int(chunk))
                mq_fanout_finish(shared.state)
            }
        }
    }
}
