import Music

/// The learned models a band plays from beyond each agent's own (`AgentSpec.style`): the band
/// leader's progression model, and a melody for the lead to continue (`render --continue`).
public struct StyleModels: Sendable {
    /// Chord progressions, conditioned on major or minor; nil draws from the rule tables.
    public var harmony: StyleModel?
    /// The last steps of a piece to continue: the lead's first phrase carries on from them.
    public var leadPrompt: [MelodyStep] = []
    /// The pitch the prompt ended on.
    public var leadPromptPitch: MIDINote?

    public init(harmony: StyleModel? = nil) { self.harmony = harmony }
}
