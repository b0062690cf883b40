/// A patch switch, taken on the conductor's own thread: the conductor never stops or joins.
extension Conductor {
    /// Takes over a new patch: its band and renderer from a new bar a little ahead, the
    /// performer's strip kept by agent name, the sound from the new patch.
    func perform(_ next: Performance) {
        let fresh = next.patch.initialSteering
        let before = steering.agents
        steering.agents = fresh.agents.map { a in
            guard var kept = before.first(where: { $0.name == a.name }) else { return a }
            kept.reverb = a.reverb
            kept.delay = a.delay
            kept.morph = a.morph
            kept.instrument = a.instrument
            kept.sound = [:]
            return kept
        }
        steering.effects = fresh.effects
        steering.patchMoods = fresh.patchMoods
        let start = horizon + lookahead.load(ordering: .relaxed) + Int64(0.02 * sampleRate)
        renderer = next.renderer
        band = next.band
        pending.removeAll()
        outbox.removeAll()
        // The new band starts on a bar line of its own a little ahead; the show's bar count
        // (and with it the form's place in its cycle) goes on across the switch.
        anchorFrame = Double(start)
        anchorBeat = 0
        nextBeat = 0
        lastBrightness = -1
        handoff?.offer(next.renderer)
        emitFullState(at: horizon)
        playing.withLock { $0 = next }
    }

}
