import ArgumentParser
import Control
import Engine
import Foundation
import Installation

// The show's files read for a command line: shared by `polyphon` and `polyphon-bench`, so a
// broken patch or config reads the same in both. File problems and parse errors become
// `ValidationError`s, which ArgumentParser prints for the person at the terminal.

/// Reads a patch, turning file problems and patch errors into messages for the terminal.
public func loadPatch(_ path: String) throws -> Patch {
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
        throw ValidationError("cannot read patch file '\(path)'")
    }
    do {
        return try Patch(file: path, text: text)
    } catch {
        throw ValidationError("\(error.description)")
    }
}

/// Reads a cue list, turning file problems and cue errors into messages for the terminal.
public func loadCueList(_ path: String) throws -> CueList {
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
        throw ValidationError("cannot read cue file '\(path)'")
    }
    do {
        return try CueList(file: path, text: text)
    } catch {
        throw ValidationError("\(error.description)")
    }
}

/// Reads an installation config, turning file problems and config errors into messages for the terminal.
public func loadConfig(_ path: String) throws -> InstallationConfig {
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw ValidationError("cannot read config file '\(path)'") }
    do { return try InstallationConfig(file: path, text: text) } catch { throw ValidationError(error.description) }
}
