import Testing
@testable import SFU

/// The per-viewer layer choice as given / when / then: the publisher's layers (best first), the
/// viewer's reports with the time they came, and the decision.
@Suite("SFU: a simulcast layer per viewer, from its own feedback")
struct LayerSelectorTests {
    // f 1.5 Mbit/s, h 500 kbit/s, q 150 kbit/s (the studio page's layers)
    static let f = LayerSelector.Layer(ssrc: 0xF, bitrate: 1_500_000, active: true)
    static let h = LayerSelector.Layer(ssrc: 0xA, bitrate: 500_000, active: true)
    static let q = LayerSelector.Layer(ssrc: 0x1, bitrate: 150_000, active: true)
    static let layers = [f, h, q]

    /// A viewer's selector and what it decided when.
    struct Viewer {
        var selector = LayerSelector()
        var sentBytes: UInt64 = 0
        var decisions: [(at: Int64, LayerSelector.Decision)] = []

        /// A viewer that joined at `now` (and whose first, clean report came with nothing sent yet).
        static func given(_ layers: [LayerSelector.Layer], at now: Int64 = 0) -> Viewer {
            var viewer = Viewer()
            viewer.decisions.append((now, viewer.selector.choose(layers: layers, now: now)))
            viewer.selector.receiverReport(fractionLost: 0, sentBytes: 0, now: now)
            return viewer
        }

        /// Reports of `lost` (of 256) every `every` ms from `from` to `to`, `rate` bit/s sent meanwhile.
        mutating func reports(_ lost: UInt8, rate: UInt64, from: Int64, to: Int64, layers: [LayerSelector.Layer], every: Int64 = 1000) {
            var now = from
            while now <= to {
                sentBytes += rate / 8 * UInt64(every) / 1000
                selector.receiverReport(fractionLost: lost, sentBytes: sentBytes, now: now)
                let decision = selector.choose(layers: layers, now: now)
                if decision != .keep { decisions.append((now, decision)) }
                now += every
            }
        }

        var switches: [LayerSelector.Decision] { decisions.map(\.1) }
    }

    @Test func aNewViewerStartsOnTheBestActiveLayer() {
        #expect(Viewer.given(Self.layers).switches == [.start(ssrc: 0xF)])
        var silentBest = Self.layers
        silentBest[0].active = false
        #expect(Viewer.given(silentBest).switches == [.start(ssrc: 0xA)])
        #expect(Viewer.given([]).switches == [.keep], "nothing to choose from yet")
    }

    @Test func sustainedLossMovesDownAtOnceToWhatGotThrough() {
        // given a viewer on f
        var viewer = Viewer.given(Self.layers)
        // when its reports say 15 % lost, twice in a row (about 1.27 Mbit/s of 1.5 got through)
        viewer.reports(40, rate: 1_500_000, from: 1000, to: 3000, layers: Self.layers)
        // then it goes down on the second report, to h, the best layer that fits
        #expect(viewer.decisions.dropFirst().map(\.at) == [2000])
        #expect(viewer.switches == [.start(ssrc: 0xF), .switchTo(ssrc: 0xA, .down)])
    }

    @Test func oneLossyReportIsNotEnoughButHeavyLossIs() {
        var viewer = Viewer.given(Self.layers)
        viewer.reports(30, rate: 1_500_000, from: 1000, to: 1000, layers: Self.layers)   // 12 %: one report
        viewer.reports(0, rate: 1_500_000, from: 2000, to: 2000, layers: Self.layers)
        viewer.reports(30, rate: 1_500_000, from: 3000, to: 3000, layers: Self.layers)   // not two in a row
        #expect(viewer.switches == [.start(ssrc: 0xF)])
        // 25 % or more once: down at once; 1.5 Mbit/s × 0.6 = 900 kbit/s fits h
        viewer.reports(102, rate: 1_500_000, from: 4000, to: 4000, layers: Self.layers)
        #expect(viewer.switches == [.start(ssrc: 0xF), .switchTo(ssrc: 0xA, .down)])
        // 70 % lost: 450 kbit/s got through, h does not fit, q does
        var starved = Viewer.given(Self.layers)
        starved.reports(179, rate: 1_500_000, from: 1000, to: 1000, layers: Self.layers)
        #expect(starved.switches == [.start(ssrc: 0xF), .switchTo(ssrc: 0x1, .down)])
    }

    @Test func lossOnALayerWhoseAverageFitsStillMovesOneStepDown() {
        // given a viewer on h, which measures 500 kbit/s on average
        var viewer = Viewer.given([Self.h, Self.q])
        // when 2 Mbit/s went out in its interval (keyframes) and 30 % was lost: 1.4 Mbit/s "got through"
        viewer.reports(77, rate: 2_000_000, from: 1000, to: 1000, layers: [Self.h, Self.q])
        // then it still goes down, one step
        #expect(viewer.switches == [.start(ssrc: 0xA), .switchTo(ssrc: 0x1, .down)])
        // and on the lowest layer, loss has nowhere to send it
        viewer.reports(200, rate: 150_000, from: 2000, to: 3000, layers: [Self.h, Self.q])
        #expect(viewer.switches.count == 2)
    }

    @Test func upOneStepAtATimeAfterACleanHold() {
        // given a viewer moved down to q by loss at 1 s
        var viewer = Viewer.given(Self.layers)
        viewer.reports(200, rate: 1_500_000, from: 1000, to: 1000, layers: Self.layers)
        #expect(viewer.switches.last == .switchTo(ssrc: 0x1, .down))
        // when its reports are clean: up to h after the hold (3 s), then f after another
        viewer.reports(0, rate: 150_000, from: 2000, to: 12000, layers: Self.layers)
        #expect(viewer.decisions.suffix(2).map(\.at) == [4000, 7000])
        #expect(viewer.switches.suffix(2) == [.switchTo(ssrc: 0xA, .up), .switchTo(ssrc: 0xF, .up)])
        // middling loss (2–10 %) neither moves it nor counts as clean
        var middling = Viewer.given(Self.layers)
        middling.reports(200, rate: 1_500_000, from: 1000, to: 1000, layers: Self.layers)
        middling.reports(15, rate: 150_000, from: 2000, to: 20000, layers: Self.layers)
        #expect(middling.switches.count == 2)
    }

    @Test func aFailedProbeDoublesTheWaitBeforeTheNextOne() {
        // given a viewer whose link takes about 300 kbit/s, moved down to q at 1 s, probing h at 4 s
        var viewer = Viewer.given(Self.layers)
        viewer.reports(200, rate: 1_500_000, from: 1000, to: 1000, layers: Self.layers)
        viewer.reports(0, rate: 150_000, from: 2000, to: 4000, layers: Self.layers)
        #expect(viewer.selector.choice == 0xA && viewer.decisions.last?.at == 4000)
        // when h loses 40 %: back to q at once, and the next probe waits 6 s
        viewer.reports(102, rate: 500_000, from: 5000, to: 5000, layers: Self.layers)
        #expect(viewer.switches.last == .switchTo(ssrc: 0x1, .down) && viewer.selector.upHoldMillis == 6000)
        viewer.reports(0, rate: 150_000, from: 6000, to: 11000, layers: Self.layers)
        #expect(viewer.decisions.last?.at == 11000 && viewer.switches.last == .switchTo(ssrc: 0xA, .up))
        // failing again: 12 s, then never more than 16 s
        viewer.reports(102, rate: 500_000, from: 12000, to: 12000, layers: Self.layers)
        #expect(viewer.selector.upHoldMillis == 12000)
        viewer.reports(0, rate: 150_000, from: 13000, to: 24000, layers: Self.layers)
        #expect(viewer.decisions.last?.at == 24000)
        viewer.reports(102, rate: 500_000, from: 25000, to: 25000, layers: Self.layers)
        #expect(viewer.selector.upHoldMillis == 16000)
        // then the link gets better: h holds for 3 s, the wait is back to 3 s, and f follows
        viewer.reports(0, rate: 150_000, from: 26000, to: 41000, layers: Self.layers)
        #expect(viewer.decisions.last?.at == 41000 && viewer.selector.choice == 0xA)
        viewer.reports(0, rate: 500_000, from: 42000, to: 44000, layers: Self.layers)
        #expect(viewer.selector.choice == 0xF && viewer.decisions.last?.at == 44000 && viewer.selector.upHoldMillis == 3000)
    }

    @Test func aREMBCapsTheChoice() {
        // given a viewer on f that estimates 600 kbit/s
        var viewer = Viewer.given(Self.layers)
        viewer.selector.estimate(bitrate: 600_000, now: 500)
        // then it moves down to h at once, without loss
        #expect(viewer.selector.choose(layers: Self.layers, now: 500) == .switchTo(ssrc: 0xA, .down))
        // and clean reports do not take it up while the estimate stays under f
        viewer.selector.estimate(bitrate: 700_000, now: 4000)
        viewer.reports(0, rate: 500_000, from: 1000, to: 8000, layers: Self.layers)
        #expect(viewer.selector.choice == 0xA)
        // an estimate that is no longer renewed stops capping (after 5 s)
        viewer.reports(0, rate: 500_000, from: 9000, to: 10000, layers: Self.layers)
        #expect(viewer.selector.choice == 0xF)
        // a new viewer with an estimate starts on the best layer that fits it
        var fresh = LayerSelector()
        fresh.estimate(bitrate: 200_000, now: 0)
        #expect(fresh.choose(layers: Self.layers, now: 0) == .start(ssrc: 0x1))
    }

    @Test func aLayerThePublisherStopsIsLeftForTheNearestBelow() {
        var viewer = Viewer.given(Self.layers)
        var layers = Self.layers
        layers[0].active = false
        #expect(viewer.selector.choose(layers: layers, now: 100) == .switchTo(ssrc: 0xA, .down))
        // the viewer on q when q stops: the nearest above
        var onQ = Viewer.given([Self.q])
        #expect(onQ.selector.choose(layers: [Self.f, Self.h, LayerSelector.Layer(ssrc: 0x1, bitrate: 150_000, active: false)], now: 100)
                == .switchTo(ssrc: 0xA, .up))
        // everything silent: keep what it has
        #expect(onQ.selector.choose(layers: Self.layers.map { LayerSelector.Layer(ssrc: $0.ssrc, bitrate: 0, active: false) }, now: 200) == .keep)
        _ = onQ.decisions
    }

    @Test func aLayerWithNoMeasuredBitrateIsNotPickedByAnEstimate() {
        // h just appeared (0 bit/s measured): loss takes the viewer to q, not to the unknown h
        var viewer = Viewer.given(Self.layers)
        let layers = [Self.f, LayerSelector.Layer(ssrc: 0xA, bitrate: 0, active: true), Self.q]
        viewer.reports(128, rate: 1_500_000, from: 1000, to: 2000, layers: layers)
        #expect(viewer.switches.last == .switchTo(ssrc: 0x1, .down))
    }
}
