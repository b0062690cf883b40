/// Cue playback as the OSC surface sees it: `/polyphon/cue/{load,go,goto,stop,pause}`.
public protocol CueDeck: AnyObject, Sendable {
    /// Carries out a request from a controller; a refused one changes nothing.
    func perform(_ request: CueRequest) throws(Rejection)
    /// The cue that fired last and the one that comes next, as an operator reads them.
    var position: (current: String, next: String) { get }
}
