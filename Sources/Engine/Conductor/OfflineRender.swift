/// Renders a patch with no audio backend: conductor and renderer in lockstep, block by block,
/// through the very code the JACK callback runs. Same patch, seed and changes give the same
/// samples, which is what makes tests, previews and benchmarks honest.
public struct OfflineRender {
    public var patch: Patch
    public var sampleRate: Double = 48000
    public var blockSize = 256

    public init(patch: Patch, sampleRate: Double = 48000, blockSize: Int = 256) {
        self.patch = patch
        self.sampleRate = sampleRate
        self.blockSize = blockSize
    }

    /// Builds the renderer for a patch (shared with the live server).
    /// - Parameter stemFrames: > 0 keeps per-agent stems for blocks up to that long.
    public static func makeRenderer(for patch: Patch, sampleRate: Double, stemFrames: Int = 0) -> Renderer {
        Renderer(tracks: patch.agents.map {
                     Renderer.TrackSetup(instrument: $0.instrument, morphTo: $0.morphTo, gain: Float($0.gain), pan: Float($0.pan),
                                         reverb: Float($0.reverb), delay: Float($0.delay))
                 },
                 masterGain: Float(patch.masterGain), ceilingDB: Float(patch.ceilingDB), sampleRate: Float(sampleRate),
                 effects: patch.effects, stemFrames: stemFrames)
    }

    /// Renders `seconds` of stereo audio. `onNote` receives the event stream; `onBlock` sees each
    /// block (for measurements) before it is copied out.
    /// - Parameter store: the steering state to render from (a fresh one from the patch if nil);
    ///   pass one to drive it with a cue player.
    public func run(seconds: Double, store given: ParameterStore? = nil, changes: [TimedCommands] = [],
                    cueSource: (any CueSource)? = nil, player notes: [PlayerEvent] = [],
                    onNote: (@Sendable (NoteRecord) -> Void)? = nil) -> (left: [Float], right: [Float]) {
        let all = runWithStems(seconds: seconds, store: given, changes: changes, cueSource: cueSource, player: notes,
                               onNote: onNote, stems: false)
        return (all.left, all.right)
    }

    /// As `run`, also returning each agent's post-fader stem (pre-master, without the effect
    /// returns) when `stems` is true.
    public func runWithStems(seconds: Double, store given: ParameterStore? = nil, changes: [TimedCommands] = [],
                             cueSource: (any CueSource)? = nil, player notes: [PlayerEvent] = [],
                             onNote: (@Sendable (NoteRecord) -> Void)? = nil,
                             stems: Bool = true) -> (left: [Float], right: [Float], stems: [(left: [Float], right: [Float])]) {
        let store = given ?? ParameterStore(patch.initialSteering)
        let renderer = OfflineRender.makeRenderer(for: patch, sampleRate: sampleRate, stemFrames: stems ? blockSize : 0)
        let player = PlayerInput()
        let conductor = Conductor(patch: patch, store: store, renderer: renderer, player: player)
        var heard = notes.sorted { $0.frame < $1.frame }[...]
        conductor.onNote = onNote
        conductor.cueSource = cueSource
        for change in changes { conductor.submit(change) }
        let total = Int(seconds * sampleRate)
        var left = [Float](repeating: 0, count: total)
        var right = [Float](repeating: 0, count: total)
        var stemAudio = stems ? [(left: [Float], right: [Float])](repeating: ([Float](repeating: 0, count: total), [Float](repeating: 0, count: total)),
                                                                   count: renderer.trackCount) : []
        var done = 0
        left.withUnsafeMutableBufferPointer { l in
            right.withUnsafeMutableBufferPointer { r in
                while done < total {
                    let n = min(blockSize, total - done)
                    // The player's notes reach the band once the audio clock has passed them,
                    // as they do live through the MIDI input.
                    while let e = heard.first, e.frame <= Int64(done) {
                        _ = player.push(e)
                        heard = heard.dropFirst()
                    }
                    // Timed changes land at their exact frame inside `advance`.
                    conductor.advance(to: Int64(done + n))
                    renderer.render(frames: n, left: l.baseAddress! + done, right: r.baseAddress! + done)
                    for t in stemAudio.indices {
                        guard let stem = renderer.stem(t) else { continue }
                        for i in 0..<n {
                            stemAudio[t].left[done + i] = stem.left[i]
                            stemAudio[t].right[done + i] = stem.right[i]
                        }
                    }
                    done += n
                }
            }
        }
        return (left, right, stemAudio)
    }
}
