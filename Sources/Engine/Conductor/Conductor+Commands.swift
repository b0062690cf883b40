/// How the conductor applies typed commands: the steering changes, and the audio events come
/// straight from each command's declaration (no diffing of the whole state). Conductor thread.
extension Conductor {
    /// Applies commands at `at`: the state changes and the audio events they become.
    func land(_ c: TimedCommands, at: Int64) {
        if let received = c.receivedAt {
            let latency = Int(at - received)
            lastLatency.store(latency, ordering: .relaxed)
            if latency > worstLatency.load(ordering: .relaxed) { worstLatency.store(latency, ordering: .relaxed) }
        }
        for command in c.commands { apply(command, at: at) }
        for r in c.ramps { start(r, at: at) }
        if c.sequence > 0, reportsLandings.load(ordering: .relaxed) {
            let landing = Landing(sequence: c.sequence, frame: at, beat: beat(atFrame: at))
            landings.withLock { $0.append(landing) }
        }
    }

    /// One command: the steering changes, and the audio hears it at `at`, from the command
    /// itself (no diffing of the whole state).
    func apply(_ command: Command, at: Int64) {
        let spec = command.spec
        let wasPlaying = steering.playing
        command.apply(to: &steering)
        switch spec.address {
        case "/polyphon/transport/play" where !wasPlaying:
            // Play after stop starts a new bar right here, rather than waiting for the old bar grid.
            let beats = meter.beatsPerBar
            let downbeat = (nextBeat + beats - 1) / beats * beats
            anchorBeat = Double(downbeat)
            anchorFrame = Double(at)
            nextBeat = downbeat
        case "/polyphon/transport/stop" where wasPlaying, "/polyphon/panic":
            pending.removeAll()
            outbox.append(AudioEvent(frame: at, kind: .allNotesOff))
        default:
            emitEvents(for: spec, agent: command.agent, at: at)
        }
    }

    /// The audio events a control's new value becomes.
    func emitEvents(for spec: ControlSpec, agent: String?, at: Int64) {
        guard let kind = spec.event, kind != .allNotesOff else { return }
        switch spec.scope {
        case .band:
            if let v = spec.eventValue(in: steering, agent: nil) { outbox.append(AudioEvent(frame: at, kind: kind, value: v)) }
        case .agent where kind == .trackMute:
            // Mute and solo decide every part's silence together.
            for i in steering.agents.indices where i < renderer.trackCount {
                outbox.append(AudioEvent(frame: at, kind: .trackMute, track: UInt8(i), value: steering.isSilenced(i) ? 1 : 0))
            }
        case .agent, .sound:
            guard let name = agent, let i = steering.agents.firstIndex(where: { $0.name == name }), i < renderer.trackCount,
                  let v = spec.eventValue(in: steering, agent: i) else { return }
            var note: UInt8 = 0
            if case .sound(let family, let code) = spec.scope {
                guard steering.agents[i].instrument == family else { return }
                note = code
            }
            outbox.append(AudioEvent(frame: at, kind: kind, track: UInt8(i), note: note, value: v))
        }
    }

    /// Every value the audio side holds, sent afresh: at the start and after a patch switch,
    /// so a renderer built from the patch plays the state as it is steered now.
    func emitFullState(at: Int64) {
        outbox.append(AudioEvent(frame: at, kind: .tempo, value: Float(tempo)))
        for spec in ControlTable.all where spec.event != nil && spec.event != .allNotesOff {
            switch spec.scope {
            case .band:
                emitEvents(for: spec, agent: nil, at: at)
            case .agent:
                if spec.event == .trackMute {
                    if spec.address.hasSuffix("/mute") { emitEvents(for: spec, agent: nil, at: at) }
                } else {
                    for a in steering.agents { emitEvents(for: spec, agent: a.name, at: at) }
                }
            case .sound(_, let code):
                for a in steering.agents where a.sound[code] != nil { emitEvents(for: spec, agent: a.name, at: at) }
            }
        }
    }

    /// A ramp from the control's value now to its target, 20 steps a second.
    func start(_ r: Ramp, at: Int64) {
        let spec = ControlTable.all[r.control]
        let index = r.agent.flatMap { name in steering.agents.firstIndex { $0.name == name } }
        guard case .number(let from)? = spec.value(in: steering, agent: index) else { return }
        let end: Int64
        switch r.length {
        case .seconds(let t): end = at + Int64(t * sampleRate)
        case .beats(let b): end = frame(atBeat: beat(atFrame: at) + b)
        }
        let steps = max(1, Int(Double(end - at) / sampleRate * 20))
        for k in 0...steps {
            let value = from + (r.target - from) * Double(k) / Double(steps)
            let command = Command(control: r.control, agent: r.agent, value: .number(value))
            if k == 0 { apply(command, at: at) } else {
                scheduled.append(TimedCommands(frame: at + (end - at) * Int64(k) / Int64(steps), [command]))
            }
        }
    }

}
