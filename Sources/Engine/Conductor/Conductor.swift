import Ensemble
import Foundation
import Music
import Synchronization

/// A note the conductor scheduled, for the event stream (offline renders, tests, logs).
public struct NoteRecord: Sendable, Equatable {
    public var frame: Int64
    public var agent: Int
    public var pitch: Int
    public var velocity: Double
    /// The bar the note was decided in.
    public var bar: Int
    public var key: Key
    public var chord: Chord
    /// Onset and length in beats on the band's timeline (for MIDI files of a render).
    public var beat: Double = 0
    public var length: Double = 0
}

/// Feeds the conductor timed changes just before it schedules up to a frame: a cue player,
/// which must convert bars and beats to frames with the tempo in force at that moment.
/// Called on the conductor's thread.
public protocol CueSource: AnyObject, Sendable {
    func conductor(_ conductor: Conductor, willAdvanceTo target: Int64)
}

/// What the conductor is playing now, for status replies.
public struct ConductorSnapshot: Sendable {
    public var bar = 0
    public var beat = 0
    /// The tempo in force on the audio clock (a new tempo waits for the next beat).
    public var appliedTempo: Double = 0
    public var key = Key(tonic: PitchClass(0), mode: .ionian)
    public var chord = Chord(key: Key(tonic: PitchClass(0), mode: .ionian), degree: 0)
    /// The form's section: groove, lift, breakdown or build.
    public var section = "groove"

    public init() {}

    init(bar: Int, beat: Int, appliedTempo: Double, key: Key, chord: Chord, section: String) {
        self.bar = bar
        self.beat = beat
        self.appliedTempo = appliedTempo
        self.key = key
        self.chord = chord
        self.section = section
    }
}

/// Runs the ensemble ahead of the audio clock and turns its decisions into sample-stamped
/// events for the renderer.
///
/// Musical time lives here: beats map to frames through a tempo anchor, and every change is
/// applied at a musical boundary (tempo at the next beat; mood, key and density at the next
/// bar). Only the audio clock drives it, never wall-clock sleeps: the live thread merely polls.
/// `advance(to:)` is the single entry point, so live and offline rendering share every decision.
public final class Conductor: @unchecked Sendable {
    let renderer: Renderer
    let store: ParameterStore
    let band: Band
    let meter = Meter()
    let sampleRate: Double

    /// Frames the conductor schedules ahead of the audio clock (live only).
    public let lookahead: Atomic<Int64>

    // Conductor-thread state.
    private var anchorFrame: Double
    private var anchorBeat: Double = 0
    private var tempo: Double
    private var nextBeat = 0
    private var bar = -1
    private var horizon: Int64
    private var pending: [Pending] = []
    private var outbox: [AudioEvent] = []
    private var lastSteering: Steering?
    private var lastBrightness: Float = -1
    private var currentKey: Key
    private var currentChord: Chord
    /// The mood the band plays at now, gliding towards the steered one.
    private var heardMood: Mood
    private var glide: (from: Mood, target: Mood, start: Int64, frames: Double)
    /// A tempo ramp: from, to, first beat, length in beats (0 = jump).
    private var ramp: (from: Double, target: Double, start: Int, beats: Int)
    /// The live player's notes (MIDI input); nil when nothing feeds them.
    let player: PlayerInput?
    private var follower = TempoFollower()
    /// Called for every note-on scheduled (on the conductor thread).
    public var onNote: (@Sendable (NoteRecord) -> Void)?

    private let snapshotLock = Mutex(ConductorSnapshot())
    private let scheduled = Mutex<[TimedChange]>([])
    private let lateCount = Atomic<Int>(0)
    private let lastLatency = Atomic<Int>(0)
    private let lastTimed = Atomic<Int64>(-1)
    private let worstLatency = Atomic<Int>(0)
    /// Something that feeds timed changes just in time (a cue player), asked before each advance.
    public var cueSource: (any CueSource)?
    private let running = Atomic<Bool>(false)
    private let inLoop = Atomic<Bool>(false)
    private var thread: Thread?

    struct Pending {
        var beat: Double
        var isOn: Bool
        var track: UInt8
        var note: UInt8
        var velocity: Float
        var bar: Int
        /// The key and chord the note was decided against (for the event stream).
        var key: Key
        var chord: Chord
        var length: Double
    }

    /// - Parameter startFrame: the audio-clock frame of beat 0.
    public init(patch: Patch, store: ParameterStore, renderer: Renderer, startFrame: Int64 = 0, lookahead: Int64 = 0,
                player: PlayerInput? = nil) {
        self.store = store
        self.renderer = renderer
        sampleRate = Double(renderer.sampleRate)
        band = Band(specs: patch.agents.map(\.spec), seed: patch.seed, models: patch.styleModels)
        let s = store.read()
        tempo = s.tempo
        ramp = (s.tempo, s.tempo, 0, 0)
        heardMood = s.mood
        glide = (s.mood, s.mood, startFrame, 0)
        self.player = player
        anchorFrame = Double(startFrame)
        horizon = startFrame
        currentKey = s.key
        currentChord = Chord(key: s.key, degree: 0)
        self.lookahead = Atomic(lookahead)
    }

    public var snapshot: ConductorSnapshot { snapshotLock.withLock { $0 } }

    @inline(__always)
    private func frame(ofBeat beat: Double) -> Double {
        anchorFrame + (beat - anchorBeat) * 60 / tempo * sampleRate
    }

    /// Applies `change` to the parameter store when the schedule reaches its frame, so what it
    /// changes starts exactly there (gains at that sample, tempo at the next beat, mood at the
    /// next bar). A change already behind the schedule is applied at once and counted as late.
    /// Safe from any thread.
    public func schedule(_ change: TimedChange) {
        scheduled.withLock { $0.append(change) }
    }

    /// Removes and returns every change not applied yet (a patch switch hands them on).
    public func takeScheduled() -> [TimedChange] {
        scheduled.withLock { list in
            let all = list
            list.removeAll()
            return all
        }
    }

    /// Timed changes that arrived after their frame had been scheduled.
    public var lateChanges: Int { lateCount.load(ordering: .relaxed) }

    /// The frame where the last change with a frame of its own (a cue, a timetagged bundle)
    /// landed; -1 before any.
    public var lastTimedFrame: Int64 { lastTimed.load(ordering: .relaxed) }

    /// Frames from a live message's arrival (on the audio clock) to the frame it changes, for
    /// the last one and the worst so far.
    public var latency: (last: Int, worst: Int) {
        (lastLatency.load(ordering: .relaxed), worstLatency.load(ordering: .relaxed))
    }

    /// The frame at which beat `beat` (counted from the start) falls under the current tempo.
    public func frame(atBeat beat: Double) -> Int64 { Int64(frame(ofBeat: beat).rounded(.down)) }

    /// The beat position of `frame` under the current tempo.
    public func beat(atFrame frame: Int64) -> Double { anchorBeat + (Double(frame) - anchorFrame) / sampleRate * tempo / 60 }

    /// The frame up to which everything is scheduled.
    public var scheduledUntil: Int64 { horizon }

    /// Schedules everything before `target` (an audio-clock frame) and hands it to the renderer.
    public func advance(to target: Int64) {
        flushOutbox()
        guard target > horizon else { return }
        listenToPlayer()
        cueSource?.conductor(self, willAdvanceTo: target)
        let due = scheduled.withLock { list -> [TimedChange] in
            let d = list.enumerated().filter { $0.element.frame < target }
                .sorted { ($0.element.frame, $0.offset) < ($1.element.frame, $1.offset) }.map(\.element)
            list.removeAll { $0.frame < target }
            return d
        }
        for change in due {
            if change.frame == TimedChange.asap {
                // A live message: lands at the horizon, the earliest frame not yet scheduled.
            } else if change.frame < horizon {
                lateCount.add(1, ordering: .relaxed)
                lastTimed.store(horizon, ordering: .relaxed)
            } else {
                scheduleMusic(until: change.frame)
                lastTimed.store(change.frame, ordering: .relaxed)
            }
            if let received = change.receivedAt {
                let latency = Int(horizon - received)
                lastLatency.store(latency, ordering: .relaxed)
                if latency > worstLatency.load(ordering: .relaxed) { worstLatency.store(latency, ordering: .relaxed) }
            }
            change.apply(store, horizon)
        }
        scheduleMusic(until: target)
        flushOutbox()
    }

    private func scheduleMusic(until target: Int64) {
        guard target > horizon else { return }
        let s = store.read()
        applyLiveChanges(s)
        while true {
            let boundary = Int64(frame(ofBeat: Double(nextBeat)).rounded(.down))
            emitPending(before: min(target, boundary))
            if boundary >= target { break }
            // On the beat: a new tempo (or the next step of a ramp) starts here, and a new bar
            // is decided here.
            let wanted = tempo(atBeat: nextBeat, steered: s)
            if wanted != tempo {
                anchorFrame = frame(ofBeat: Double(nextBeat))
                anchorBeat = Double(nextBeat)
                tempo = wanted
                outbox.append(AudioEvent(frame: boundary, kind: .tempo, value: Float(tempo)))
            }
            if nextBeat % meter.beatsPerBar == 0 {
                bar += 1
                if s.playing { planBar(s, startBeat: nextBeat, frame: boundary) }
            }
            // The live player just finished a phrase: the lead answers from this beat.
            band.playerPause = s.playerPause
            if s.playing {
                if let answer = band.listen(atBeat: Double(nextBeat)), !answer.notes.isEmpty {
                    schedule(answer.notes, from: Double(nextBeat), bar: bar, key: answer.key,
                             changes: [ChordChange(beat: 0, chord: answer.chord)])
                }
            }
            nextBeat += 1
        }
        horizon = target
        snapshotLock.withLock {
            $0 = ConductorSnapshot(bar: max(0, bar), beat: max(0, nextBeat - 1) % meter.beatsPerBar,
                                   appliedTempo: tempo, key: currentKey, chord: currentChord,
                                   section: band.section.rawValue)
        }
    }

    /// Gains, pans, mutes, master gain, transport and panic take effect at once (at the horizon),
    /// smoothed by the renderer.
    private func applyLiveChanges(_ s: Steering) {
        let at = horizon
        let old = lastSteering
        let anySolo = s.agents.contains { $0.solo }
        for (i, a) in s.agents.enumerated() where i < renderer.trackCount {
            let t = UInt8(i)
            let o = old?.agents[i]
            if o?.gain != a.gain { outbox.append(AudioEvent(frame: at, kind: .trackGain, track: t, value: Float(a.gain))) }
            if o?.sound != a.sound {
                for (code, value) in a.sound.sorted(by: { $0.key < $1.key }) where o?.sound[code] != value {
                    outbox.append(AudioEvent(frame: at, kind: .sound, track: t, note: code, value: Float(value)))
                }
            }
            if o?.pan != a.pan { outbox.append(AudioEvent(frame: at, kind: .trackPan, track: t, value: Float(a.pan))) }
            if o?.reverb != a.reverb { outbox.append(AudioEvent(frame: at, kind: .trackReverb, track: t, value: Float(a.reverb))) }
            if o?.delay != a.delay { outbox.append(AudioEvent(frame: at, kind: .trackDelay, track: t, value: Float(a.delay))) }
            if o?.morph != a.morph { outbox.append(AudioEvent(frame: at, kind: .trackMorph, track: t, value: Float(a.morph))) }
            let silenced = a.mute || (anySolo && !a.solo)
            let wasSilenced = old.map { o in o.agents[i].mute || (o.agents.contains { $0.solo } && !o.agents[i].solo) }
            if wasSilenced != silenced { outbox.append(AudioEvent(frame: at, kind: .trackMute, track: t, value: silenced ? 1 : 0)) }
        }
        if old == nil { outbox.append(AudioEvent(frame: at, kind: .tempo, value: Float(tempo))) }
        let e = s.effects, oe = old?.effects
        if oe?.reverbSize != e.reverbSize { outbox.append(AudioEvent(frame: at, kind: .reverbSize, value: Float(e.reverbSize))) }
        if oe?.reverbDamping != e.reverbDamping { outbox.append(AudioEvent(frame: at, kind: .reverbDamping, value: Float(e.reverbDamping))) }
        if oe?.delayFeedback != e.delayFeedback { outbox.append(AudioEvent(frame: at, kind: .delayFeedback, value: Float(e.delayFeedback))) }
        if oe?.delayBeats != e.delayBeats { outbox.append(AudioEvent(frame: at, kind: .delayBeats, value: Float(e.delayBeats))) }
        if oe?.compressorThreshold != e.compressorThreshold {
            outbox.append(AudioEvent(frame: at, kind: .compressorThreshold, value: Float(e.compressorThreshold)))
        }
        if oe?.compressorRatio != e.compressorRatio { outbox.append(AudioEvent(frame: at, kind: .compressorRatio, value: Float(e.compressorRatio))) }
        if old?.effectiveMasterGain != s.effectiveMasterGain {
            outbox.append(AudioEvent(frame: at, kind: .masterGain, value: Float(s.effectiveMasterGain)))
        }
        // Play after stop starts a new bar right here, rather than waiting for the old bar grid.
        if let o = old, !o.playing && s.playing {
            let bar = meter.beatsPerBar
            let downbeat = (nextBeat + bar - 1) / bar * bar
            anchorBeat = Double(downbeat)
            anchorFrame = Double(at)
            nextBeat = downbeat
        }
        let stopped = old.map { $0.playing && !s.playing } ?? false
        let panicked = old.map { $0.panicCount != s.panicCount } ?? false
        if stopped || panicked {
            pending.removeAll()
            outbox.append(AudioEvent(frame: at, kind: .allNotesOff))
        }
        lastSteering = s
    }

    /// The tempo for the beat starting at `beat`: the steered one, reached at once or step by
    /// step along a ramp.
    private func tempo(atBeat beat: Int, steered s: Steering) -> Double {
        if s.tempo != ramp.target {
            ramp = (tempo, s.tempo, beat, s.tempoRampBeats)
        }
        guard ramp.beats > 0 else { return ramp.target }
        let done = min(1, Double(beat - ramp.start + 1) / Double(ramp.beats))
        return ramp.from + (ramp.target - ramp.from) * done
    }

    /// The mood at a bar starting on `frame`: the steered one, or a point along a glide to it.
    private func mood(atFrame frame: Int64, steered s: Steering) -> Mood {
        if s.mood != glide.target {
            glide = (heardMood, s.mood, frame, s.moodGlide * sampleRate)
        }
        guard glide.frames > 0 else { return glide.target }
        let done = Double(frame - glide.start) / glide.frames
        return done >= 1 ? glide.target : glide.from.gliding(to: glide.target, fraction: done)
    }

    /// Hands the player's notes to the band, and follows their tempo when asked to.
    private func listenToPlayer() {
        guard let player else { return }
        let events = player.take(through: .max)
        guard !events.isEmpty else { return }
        var follow: Double?
        for e in events {
            let beat = self.beat(atFrame: e.frame)
            band.hear(pitch: Int(e.note), velocity: Double(e.velocity) / 127, isOn: e.isOn, beat: beat)
            if e.isOn && e.velocity > 0 {
                follow = follower.onset(atSeconds: Double(e.frame) / sampleRate, tempo: tempo) ?? follow
            }
        }
        if let follow {
            store.update { s in
                guard s.followPlayer, abs(s.tempo - follow) > 0.25 else { return }
                s.tempo = min(max(follow, s.limits.tempo.lowerBound), s.limits.tempo.upperBound)
                s.tempoRampBeats = 0
            }
        }
    }

    private func planBar(_ s: Steering, startBeat: Int, frame: Int64) {
        heardMood = mood(atFrame: frame, steered: s)
        let key = Key(tonic: s.tonic, mode: s.modeOverride ?? heardMood.mode)
        let plan = band.planBar(index: bar, startBeat: Double(startBeat), key: key, mood: heardMood, density: s.density,
                                meter: meter, overrides: s.agents.map(\.density))
        currentKey = key
        currentChord = plan.changes[0].chord
        // Timbre follows the mood from this bar on.
        let bright = Float(heardMood.brightness)
        if bright != lastBrightness {
            for t in 0..<renderer.trackCount {
                outbox.append(AudioEvent(frame: frame, kind: .brightness, track: UInt8(t), value: bright))
            }
            lastBrightness = bright
        }
        schedule(plan.notes, from: Double(startBeat), bar: bar, key: key, changes: plan.changes)
    }

    /// Queues decided notes (beats relative to `start`) as note-on/off pairs.
    private func schedule(_ notes: [PlannedNote], from start: Double, bar: Int, key: Key, changes: [ChordChange]) {
        for n in notes {
            let beat = start + n.beat
            let pitch = UInt8(clamping: n.pitch)
            let chord = changes.last { $0.beat <= n.beat + 1e-9 }?.chord ?? changes[0].chord
            pending.append(Pending(beat: beat, isOn: true, track: UInt8(n.agent), note: pitch, velocity: Float(n.velocity),
                                   bar: bar, key: key, chord: chord, length: n.length))
            pending.append(Pending(beat: beat + n.length, isOn: false, track: UInt8(n.agent), note: pitch, velocity: 0,
                                   bar: bar, key: key, chord: chord, length: 0))
        }
        // Offs before ons at the same instant, so a repeated note retriggers cleanly.
        pending.sort { a, b in a.beat != b.beat ? a.beat < b.beat : (!a.isOn && b.isOn) }
    }

    private func emitPending(before limit: Int64) {
        var taken = 0
        for p in pending {
            let f = Int64(frame(ofBeat: p.beat).rounded(.down))
            if f >= limit { break }
            let at = max(f, horizon)
            outbox.append(AudioEvent(frame: at, kind: p.isOn ? .noteOn : .noteOff, track: p.track, note: p.note, value: p.velocity))
            if p.isOn, let onNote {
                onNote(NoteRecord(frame: at, agent: Int(p.track), pitch: Int(p.note), velocity: Double(p.velocity),
                                  bar: p.bar, key: p.key, chord: p.chord, beat: p.beat, length: p.length))
            }
            taken += 1
        }
        if taken > 0 { pending.removeFirst(taken) }
    }

    /// Hands scheduled events to the renderer. A full queue keeps the rest for the next call:
    /// the conductor may wait, the audio thread never does.
    private func flushOutbox() {
        var sent = 0
        for e in outbox {
            if !renderer.events.push(e) { break }
            sent += 1
        }
        if sent > 0 { outbox.removeFirst(sent) }
    }

    // MARK: Live thread

    /// Starts the conductor thread: it keeps the schedule `lookahead` frames ahead of the audio clock.
    public func start() {
        running.store(true, ordering: .releasing)
        inLoop.store(true, ordering: .releasing)
        let t = Thread { [self] in
            while running.load(ordering: .acquiring) {
                advance(to: renderer.framesRendered + lookahead.load(ordering: .relaxed))
                usleep(2000)
            }
            inLoop.store(false, ordering: .releasing)
        }
        t.name = "polyphon-conductor"
        t.start()
        thread = t
    }

    public func stop() { running.store(false, ordering: .releasing) }

    /// Stops the live thread and waits until it has left its loop (at most a few ms).
    public func stopAndWait() {
        stop()
        while inLoop.load(ordering: .acquiring) { usleep(500) }
    }
}
