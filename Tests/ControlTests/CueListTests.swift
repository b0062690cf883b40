import Control
import Engine
import Testing

@Suite struct CueListTests {
    @Test func parsesEveryKindOfLine() throws {
        let list = try CueList(file: "set.cue", text: """
        # a short set
        0        /polyphon/tempo 120
        1:30.5   /polyphon/mood "dark"
        label verse
        @5:3     /polyphon/agent/*/mute 1   # everyone out
        +2bars   ramp 8bars /polyphon/density 0.8
        +1.5s    /polyphon/key "D dorian"
        wait go
        goto verse 2
        """)
        #expect(list.entries.count == 8)
        guard case .message(.seconds(0), let m0) = list.entries[0].item else { Issue.record("line 2"); return }
        #expect(m0 == OSCMessage("/polyphon/tempo", [.int(120)]))
        guard case .message(.seconds(90.5), let m1) = list.entries[1].item else { Issue.record("line 3"); return }
        #expect(m1 == OSCMessage("/polyphon/mood", [.string("dark")]))
        guard case .label("verse") = list.entries[2].item else { Issue.record("line 4"); return }
        guard case .message(.bar(5, beat: 3), _) = list.entries[3].item else { Issue.record("line 5"); return }
        guard case .ramp(.afterBeats(8), .beats(32), "/polyphon/density", 0.8) = list.entries[4].item else { Issue.record("line 6"); return }
        guard case .message(.afterSeconds(1.5), let m5) = list.entries[5].item else { Issue.record("line 7"); return }
        #expect(m5.arguments == [.string("D dorian")])
        guard case .waitGo = list.entries[6].item else { Issue.record("line 8"); return }
        guard case .goto("verse", times: 2) = list.entries[7].item else { Issue.record("line 9"); return }
        #expect(list.labels == ["verse": 2])
    }

    @Test func reportsEveryErrorWithLineAndColumn() {
        do {
            _ = try CueList(file: "set.cue", text: """
            soon /polyphon/tempo 1
            5 polyphon/tempo 3
            9 /polyphon/mood "dark
            @0 /polyphon/tempo 100
            2 ramp 8parsecs /polyphon/density 1
            goto chorus
            label a
            label a
            wait for it
            """)
            Issue.record("a broken cue file loaded")
        } catch {
            #expect(error.errors.map(\.description) == [
                "set.cue:1:1: error: expected a time (12.5, 1:02.5, @5:3, +2, +4bars), 'label', 'goto' or 'wait go', found 'soon'",
                "set.cue:2:3: error: expected an OSC address starting with '/' (or 'ramp') after the time",
                "set.cue:3:18: error: expected a closing '\"'",
                "set.cue:4:1: error: expected a time (12.5, 1:02.5, @5:3, +2, +4bars), 'label', 'goto' or 'wait go', found '@0'",
                "set.cue:5:8: error: expected a ramp length (4, 4s, 8bars, 2beats), found '8parsecs'",
                "set.cue:6:6: error: no label 'chorus' in this file (labels: a)",
                "set.cue:8:7: error: label 'a' is defined twice",
                "set.cue:9:1: error: expected 'wait go'",
            ])
        }
    }

    @Test func checkValidatesValuesAgainstThePatch() throws {
        let patch = try Patch(file: "p", text: "[agent.drums]\nrole = \"drums\"\n")
        let list = try CueList(file: "set.cue", text: """
        0 /polyphon/tempo 999
        1 /polyphon/agent/bass/mute 1
        2 /polyphon/agent/drums/mute 1
        3 ramp 4 /polyphon/key 1
        """)
        do {
            try list.check(against: patch)
            Issue.record("bad cues passed the check")
        } catch {
            #expect(error.errors.count == 3)
            #expect(error.errors[0].line == 1 && error.errors[0].column == 3)
            #expect(error.errors[1].description.contains("unknown agent 'bass'"))
            #expect(error.errors[2].description.contains("cannot be ramped"))
        }
    }
}
