import Ensemble
import Music

/// A piece's own style, for `render --continue`: its tempo and key, and models that have
/// learned its melody, bass, groove and harmony on top of the band's models (the piece's
/// evidence weighs `weight` times a corpus note, so a few bars already steer the band), plus
/// the melody's last steps for the lead to carry on from.
public struct PieceStyle: Sendable {
    public var tempo: Double
    public var key: Key
    public var lead: StyleModel?
    public var bass: StyleModel?
    public var drums: StyleModel?
    public var harmony: StyleModel?
    /// The melody's last steps and the pitch it ended on.
    public var prompt: [MelodyStep] = []
    public var lastPitch: MIDINote?
    /// Beats the piece lasts (the continuation starts on the next bar line).
    public var length: Double

    public static let weight = 8

    public init(file: MIDIFile, lead: StyleModel?, bass: StyleModel?, drums: StyleModel?, harmony: StyleModel?) {
        tempo = file.tempos.first?.bpm ?? 120
        let k = file.key()
        key = Key(tonic: PitchClass(k.tonic), mode: k.minor ? .aeolian : .ionian)
        length = file.allNotes.map { $0.onset + $0.duration }.max() ?? 0
        func learned(_ base: StyleModel?, role: Role, _ learn: (OnlineStyle) -> Void) -> StyleModel {
            let online = OnlineStyle(base: base ?? StyleModel(role: role), weight: base == nil ? 1 : PieceStyle.weight)
            learn(online)
            return online.model
        }
        if let melody = file.melody(.highest) {
            self.lead = learned(lead, role: .lead) { o in melody.steps.forEach(o.learn) }
            prompt = Array(melody.steps.suffix(8))
            lastPitch = melody.steps.reduce(melody.firstPitch) { $0 + ($1.interval ?? 0) }
        } else {
            self.lead = lead
        }
        if let line = file.melody(.lowest), file.tracks.flatMap(\.notes).filter({ !$0.isDrum }).count > line.steps.count {
            self.bass = learned(bass, role: .bass) { o in line.steps.forEach(o.learn) }
        } else {
            self.bass = bass
        }
        if let groove = file.groove() {
            var m = drums ?? StyleModel(role: .drums)
            for _ in 0..<PieceStyle.weight { m.learn(groove: groove) }
            self.drums = m
        } else {
            self.drums = drums
        }
        let p = file.progression()
        if p.chords.count >= 2 {
            var m = harmony ?? StyleModel(role: .harmony)
            for _ in 0..<PieceStyle.weight { m.learn(progression: p.chords, minor: p.minor) }
            self.harmony = m
        } else {
            self.harmony = harmony
        }
    }
}
