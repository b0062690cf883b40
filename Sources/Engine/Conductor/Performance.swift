import Ensemble

/// A patch ready to play: its renderer and band, built on a control thread so the conductor
/// only swaps them in.
public struct Performance: @unchecked Sendable {
    public let patch: Patch
    public let renderer: Renderer
    let band: Band

    public init(patch: Patch, renderer: Renderer) {
        self.patch = patch
        self.renderer = renderer
        band = Band(specs: patch.agents.map(\.spec), seed: patch.seed, models: patch.styleModels)
    }
}
