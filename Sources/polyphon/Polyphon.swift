import ArgumentParser

@main
struct Polyphon: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "polyphon",
        abstract: "An OSC-controlled generative performance server for JACK.",
        subcommands: [Serve.self, Render.self, PatchCommand.self, CueCommand.self, ConfigCommand.self, Controls.self,
                      Train.self, StyleReport.self],
        defaultSubcommand: Serve.self
    )
}
