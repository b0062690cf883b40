import Music

/// The learned style models a patch gives its band, one per role that has one. Roles without
/// a model play by their hand-written rules.
public struct StyleModels: Sendable {
    /// Draws the next chord degree (0...6) from a learned progression model:
    /// (degrees so far, minor mode?, rng) -> degree.
    public var harmony: (@Sendable ([Int], Bool, inout SeededRandom) -> Int)?

    public init() {}
}
