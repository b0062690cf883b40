/// Why a SoundFont instrument could not be made; each case names the file, for the patch author.
public enum SoundFontError: Error, Equatable, CustomStringConvertible {
    case fileNotFound(String)
    case notASoundFont(String)
    case loadFailed(String)
    case noSuchProgram(path: String, bank: Int, program: Int)
    case settingRefused(String)
    case sampleRateOutOfRange(Float)
    case polyphonyOutOfRange(Int)
    case outOfMemory(String)

    public var description: String {
        switch self {
        case .fileNotFound(let path): "SoundFont \(path): no such readable file"
        case .notASoundFont(let path): "SoundFont \(path): not a SoundFont (sf2/sf3) file"
        case .loadFailed(let path): "SoundFont \(path): fluidsynth could not load it"
        case .noSuchProgram(let path, let bank, let program):
            "SoundFont \(path): no preset at bank \(bank), program \(program)"
        case .settingRefused(let name): "fluidsynth refused the setting \(name)"
        case .sampleRateOutOfRange(let rate): "sample rate \(rate) Hz is outside fluidsynth's 8000...96000"
        case .polyphonyOutOfRange(let n): "polyphony \(n) is outside 1...4096"
        case .outOfMemory(let path): "SoundFont \(path): fluidsynth could not create a synth"
        }
    }
}
