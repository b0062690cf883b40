import DSP
import Foundation
import Testing

@Suite struct LFOTests {
    /// Counts upward zero crossings over `seconds` at 48 kHz.
    func cycles(_ shape: LFO.Shape, hz: Float, seconds: Int) -> (crossings: Int, low: Float, high: Float) {
        var lfo = LFO(phase: 0.1)
        var last = lfo.next(shape, increment: hz / 48000)
        var crossings = 0
        var low: Float = 1, high: Float = -1
        for _ in 1..<(48000 * seconds) {
            let y = lfo.next(shape, increment: hz / 48000)
            if last < 0 && y >= 0 { crossings += 1 }
            low = min(low, y)
            high = max(high, y)
            last = y
        }
        return (crossings, low, high)
    }

    @Test(arguments: [LFO.Shape.sine, .triangle, .square])
    func periodicShapesRunAtTheirRateAndSpan(_ shape: LFO.Shape) {
        for hz: Float in [0.5, 3, 7.5] {
            let r = cycles(shape, hz: hz, seconds: 4)
            #expect(abs(r.crossings - Int(hz * 4)) <= 1, "\(shape) at \(hz) Hz crossed \(r.crossings) times")
            #expect(r.low < -0.99 && r.low >= -1.0001 && r.high > 0.99 && r.high <= 1.0001)
        }
    }

    @Test func sineMatchesTheReference() {
        var lfo = LFO()
        var worst: Float = 0
        for i in 0..<4800 {
            let y = lfo.next(.sine, increment: 2 / 48000)
            worst = max(worst, abs(y - Float(sin(2 * Double.pi * 2 * Double(i) / 48000))))
        }
        #expect(worst < 1e-3)
    }

    @Test func sampleAndHoldStepsOncePerCycleAndVaries() {
        var lfo = LFO()
        var changes = 0
        var values = Set<Float>()
        var last = lfo.next(.sampleAndHold, increment: 4 / 48000)
        for _ in 1..<48000 {
            let y = lfo.next(.sampleAndHold, increment: 4 / 48000)
            if y != last { changes += 1 }
            values.insert(y)
            last = y
            #expect(y >= -1 && y <= 1)
        }
        #expect(abs(changes - 4) <= 1)
        #expect(values.count >= 3)
    }

    @Test func shapesByName() {
        #expect(LFO.Shape(name: "sine") == .sine)
        #expect(LFO.Shape(name: "sample-and-hold") == .sampleAndHold)
        #expect(LFO.Shape(name: "saw") == nil)
    }
}
