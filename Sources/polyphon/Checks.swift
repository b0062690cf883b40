import ArgumentParser
import Control
import Engine
import Installation
import ShowFiles

/// `polyphon patch check FILE...`: validate patches before the show.
struct PatchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "patch", abstract: "Work with patch files.", subcommands: [Check.self])

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Report every error in patch files, with file:line:column.")
        @Argument(help: "Patch files.") var files: [String]

        func run() throws {
            var failed = false
            for f in files {
                do {
                    let p = try loadPatch(f)
                    print("\(f): ok (\(p.agents.count) agents)")
                } catch {
                    print(error)
                    failed = true
                }
            }
            if failed { throw ExitCode(1) }
        }
    }
}

/// `polyphon cue check FILE`: validate a cue file against a patch before the show.
struct CueCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "cue", abstract: "Work with cue files.", subcommands: [Check.self])

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Report every error in a cue file, with file:line:column.")
        @Option(help: "Patch whose agents the cues address.") var patch: String = "Patches/default.patch"
        @Argument(help: "Cue file.") var file: String

        func run() throws {
            let p = try loadPatch(patch)
            do {
                let list = try loadCueList(file)
                try list.check(against: p)
                print("\(file): ok (\(list.entries.count) cues)")
            } catch let e as SourceErrors {
                print(e)
                throw ExitCode(1)
            }
        }
    }
}

/// `polyphon config check FILE`: validate an installation's config before deploying it.
struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "config", abstract: "Work with installation config files.", subcommands: [Check.self])

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Report every error in a config file (and its patch), with file:line:column.")
        @Argument(help: "Config file.") var file: String

        func run() throws {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { throw ValidationError("cannot read config file '\(file)'") }
            let config: InstallationConfig
            do {
                config = try InstallationConfig(file: file, text: text)
            } catch {
                print(error)
                throw ExitCode(1)
            }
            var failed = false
            for patch in [config.patch] + config.schedule.compactMap(\.patch) {
                do { _ = try loadPatch(patch) } catch {
                    print("\(file): patch \(patch): \(error)")
                    failed = true
                }
            }
            if failed { throw ExitCode(1) }
            print("\(file): ok (\(config.schedule.count) schedule windows, patch \(config.patch))")
        }
    }
}
