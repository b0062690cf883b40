import Realtime
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
    /// The published steering: the conductor writes it after each step (the lock is held only
    /// for the copy); control threads read it for replies, feedback and the state file.
    public let store: ParameterStore
    let sampleRate: Double
    let meter = Meter()
    /// Hands a switched patch's renderer to the audio thread, and takes retired ones back.
    let handoff: RendererHandoff?
    /// The audio clock the live thread keeps ahead of (the stage's, across patch switches).
    let audioClock: @Sendable () -> Int64

    /// Frames the conductor schedules ahead of the audio clock (live only).
    public let lookahead: Atomic<Int64>

    // Conductor-thread state (read and written on the conductor's thread only; internal so the
    // extensions in Conductor+Commands.swift and Conductor+Switch.swift reach it).
    var renderer: Renderer
    var band: Band
    var steering: Steering
    var published = false
    var anchorFrame: Double
    var anchorBeat: Double = 0
    var tempo: Double
    var nextBeat = 0
    var bar = -1
    var horizon: Int64
    var pending: [Pending] = []
    var outbox: [AudioEvent] = []
    /// Timed commands waiting for their frame (from the inbox and the cue playback).
    var scheduled: [TimedCommands] = []
    var lastBrightness: Float = -1
    var currentKey: Key
    var currentChord: Chord
    /// The mood the band plays at now, gliding towards the steered one.
    var heardMood: Mood
    var glide: (from: Mood, target: Mood, start: Int64, frames: Double)
    /// A tempo ramp: from, to, first beat, length in beats (0 = jump).
    var ramp: (from: Double, target: Double, start: Int, beats: Int)
    /// The live player's notes (MIDI input); nil when nothing feeds them.
    let player: PlayerInput?
    var follower = TempoFollower()
    /// Called for every note-on scheduled (on the conductor thread).
    public var onNote: (@Sendable (NoteRecord) -> Void)?

    /// Commands and patch switches from other threads; the lock is held only to append or take.
    let inbox = Guarded<Inbox>(Inbox())
    let snapshotLock = Guarded(ConductorSnapshot())
    let playing: Guarded<Performance>
    let taken = Atomic<Int>(0)
    let lateCount = Atomic<Int>(0)
    let lastLatency = Atomic<Int>(0)
    let lastTimed = Atomic<Int64>(-1)
    let worstLatency = Atomic<Int>(0)
    /// Where submissions landed, kept while `reportsLandings` is on (the cue recorder).
    public let reportsLandings = Atomic<Bool>(false)
    let landings = Guarded<[Landing]>([])

    /// A submission's frame and beat on the band's timeline, as it landed.
    public struct Landing: Sendable {
        public var sequence: Int
        public var frame: Int64
        public var beat: Double
    }

    /// Takes the landings reported so far (any thread).
    public func takeLandings() -> [Landing] {
        landings.withLock { list in defer { list.removeAll() }; return list }
    }

    /// Something that feeds timed commands just in time (cue playback), asked before each advance.
    public var cueSource: (any CueSource)?
    let running = Atomic<Bool>(false)

    struct Inbox {
        var commands: [TimedCommands] = []
        var sequence = 0
        var switchTo: Performance?
    }

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
    public convenience init(patch: Patch, store: ParameterStore, renderer: Renderer, startFrame: Int64 = 0, lookahead: Int64 = 0,
                            player: PlayerInput? = nil) {
        self.init(performance: Performance(patch: patch, renderer: renderer), store: store, startFrame: startFrame,
                  lookahead: lookahead, player: player, handoff: nil, audioClock: { renderer.framesRendered })
    }

    init(performance: Performance, store: ParameterStore, startFrame: Int64, lookahead: Int64, player: PlayerInput?,
         handoff: RendererHandoff?, audioClock: @escaping @Sendable () -> Int64) {
        self.store = store
        self.handoff = handoff
        self.audioClock = audioClock
        renderer = performance.renderer
        sampleRate = Double(renderer.sampleRate)
        band = performance.band
        let s = store.read()
        steering = s
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
        playing = Guarded(performance)
    }

    public var snapshot: ConductorSnapshot { snapshotLock.withLock { $0 } }

    /// The patch and renderer playing now (after a switch, once the conductor has taken it).
    public var performance: Performance { playing.withLock { $0 } }

    /// Hands commands to the conductor from any thread; they apply at their frame (a live
    /// message at the next advance). Returns their sequence number, for `appliedSequence`.
    @discardableResult
    public func submit(_ commands: TimedCommands) -> Int {
        inbox.withLock { i in
            i.sequence += 1
            var c = commands
            c.sequence = i.sequence
            i.commands.append(c)
            return i.sequence
        }
    }

    /// Every submission up to this number has been taken by the conductor (live ones applied).
    public var appliedSequence: Int { taken.load(ordering: .acquiring) }

    /// Asks the conductor to switch to `next` at its next advance; never waits.
    public func switchTo(_ next: Performance) {
        inbox.withLock { $0.switchTo = next }
    }

    /// Queues commands from the conductor's own thread (cue playback, ramps).
    func schedule(_ commands: TimedCommands) {
        scheduled.append(commands)
    }


    @inline(__always)
    private func frame(ofBeat beat: Double) -> Double {
        anchorFrame + (beat - anchorBeat) * 60 / tempo * sampleRate
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
        handoff?.collect()
        let (incoming, switchTo, sequence) = inbox.withLock { i -> ([TimedCommands], Performance?, Int) in
            defer { i.commands.removeAll(keepingCapacity: true); i.switchTo = nil }
            return (i.commands, i.switchTo, i.sequence)
        }
        if !published { emitFullState(at: horizon); published = true }
        if let switchTo { perform(switchTo) }
        var changed = switchTo != nil
        for c in incoming {
            if c.frame == TimedCommands.asap {
                // A live message lands at the horizon, the earliest frame not yet scheduled.
                land(c, at: horizon)
                changed = true
            } else {
                scheduled.append(c)
            }
        }
        if target > horizon {
            if listenToPlayer() { changed = true }
            cueSource?.conductor(self, willAdvanceTo: target)
            while let next = takeDue(before: target) {
                if next.frame < horizon {
                    lateCount.add(1, ordering: .relaxed)
                    lastTimed.store(horizon, ordering: .relaxed)
                } else {
                    scheduleMusic(until: next.frame)
                    lastTimed.store(next.frame, ordering: .relaxed)
                }
                land(next, at: horizon)
                changed = true
            }
            scheduleMusic(until: target)
            flushOutbox()
        }
        if changed { store.update { $0 = steering } }
        taken.store(sequence, ordering: .releasing)
    }

    /// The earliest scheduled entry before `target` (in order of arrival among equals).
    private func takeDue(before target: Int64) -> TimedCommands? {
        var best: Int?
        for (i, c) in scheduled.enumerated() where c.frame < target {
            if best == nil || c.frame < scheduled[best!].frame { best = i }
        }
        return best.map { scheduled.remove(at: $0) }
    }

    private func scheduleMusic(until target: Int64) {
        guard target > horizon else { return }
        let s = steering
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
    private func listenToPlayer() -> Bool {
        guard let player else { return false }
        let events = player.take(through: .max)
        guard !events.isEmpty else { return false }
        var follow: Double?
        for e in events {
            let beat = self.beat(atFrame: e.frame)
            band.hear(pitch: Int(e.note), velocity: Double(e.velocity) / 127, isOn: e.isOn, beat: beat)
            if e.isOn && e.velocity > 0 {
                follow = follower.onset(atSeconds: Double(e.frame) / sampleRate, tempo: tempo) ?? follow
            }
        }
        guard let follow, steering.followPlayer, abs(steering.tempo - follow) > 0.25 else { return false }
        steering.tempo = follow.clamped(to: steering.limits.tempo)
        steering.tempoRampBeats = 0
        return true
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

    /// Starts the conductor thread: it keeps the schedule `lookahead` frames ahead of the audio
    /// clock. It runs for the life of the show; patch switches are handed to it.
    public func start() {
        running.store(true, ordering: .releasing)
        let t = Thread { [self] in
            while running.load(ordering: .acquiring) {
                advance(to: audioClock() + lookahead.load(ordering: .relaxed))
                usleep(2000)
            }
        }
        t.name = "polyphon-conductor"
        t.start()
    }

    /// Asks the live thread to end after its current step; never waits for it.
    public func stop() { running.store(false, ordering: .releasing) }
}
