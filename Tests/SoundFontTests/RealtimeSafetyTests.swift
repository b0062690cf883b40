import CAllocCounter
import CFluidSynth
import CLockCounter
import SoundFont
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The audio thread must never allocate, lock or retain. The player is called exactly as a POD
/// Track would: through `Unmanaged._withUnsafeGuaranteedRef`, retained on the control thread.
@Suite struct RealtimeSafetyTests {
    /// One scripted call on the audio thread, prepared outside the counted window.
    enum Call { case on(UInt8, Float), off(UInt8), allOff }

    struct Counts { var allocations: UInt64 = 0, retains: UInt64 = 0, locks: UInt64 = 0, pageFaults: UInt64 = 0, calls = 0, maxVoices = 0 }

    /// Plays a seeded script of chords (up to `chordLimit` notes, beyond polyphony so voices are
    /// stolen), single notes, releases and all-notes-off, counting inside every audio-thread call.
    func countedPerformance(program: Int, bank: Int, frames: Int, seconds: Double, chordLimit: Int, polyphony: Int) throws -> Counts {
        let player = try SoundFontPlayer(path: try Rig.fontPath(), sampleRate: 48000, polyphony: polyphony,
                                         program: program, bank: bank)
        let track = Unmanaged.passRetained(player)   // what the Track holds; released below, on this (control) thread
        defer { track.release() }
        let left = UnsafeMutablePointer<Float>.allocate(capacity: frames)
        let right = UnsafeMutablePointer<Float>.allocate(capacity: frames)
        let calls = UnsafeMutablePointer<Call>.allocate(capacity: 256)
        defer { left.deallocate(); right.deallocate(); calls.deallocate() }
        left.initialize(repeating: 0, count: frames)
        right.initialize(repeating: 0, count: frames)

        // No warm-up here: `init` leaves the synth ready, so even the first audio-thread call is counted.

        var dice = Dice(state: 0x5EED_0000 &+ UInt64(program * 1000 + frames))
        var held: [UInt8] = []
        var counts = Counts()
        let blocks = Int(seconds * 48000) / frames
        for _ in 0..<blocks {
            var n = 0
            switch dice.below(16) {
            case 0:   // a chord, sometimes beyond polyphony
                for _ in 0..<(1 + dice.below(chordLimit)) where n < 256 {
                    let note = UInt8(24 + dice.below(84))
                    calls[n] = .on(note, 0.05 + 0.95 * dice.unit()); n += 1
                    held.append(note)
                }
            case 1, 2, 3:
                let note = UInt8(dice.below(128))
                calls[n] = .on(note, dice.unit()); n += 1
                held.append(note)
            case 4, 5, 6:
                for _ in 0..<min(held.count, 1 + dice.below(6)) {
                    calls[n] = .off(held.remove(at: dice.below(held.count))); n += 1
                }
            case 7: calls[n] = .allOff; n += 1; held.removeAll(keepingCapacity: true)
            default: break
            }
            let faults = polyphon_thread_page_faults()
            polyphon_counting_begin()
            polyphon_lock_counting_begin()
            track._withUnsafeGuaranteedRef { player in
                for i in 0..<n {
                    switch calls[i] {
                    case .on(let note, let velocity): player.noteOn(note, velocity: velocity)
                    case .off(let note): player.noteOff(note)
                    case .allOff: player.allNotesOff()
                    }
                }
                player.render(left: left, right: right, count: frames)
                counts.maxVoices = max(counts.maxVoices, player.activeVoices)
            }
            polyphon_lock_counting_end()
            polyphon_counting_end()
            counts.pageFaults += polyphon_thread_page_faults() - faults
            counts.allocations += polyphon_counted_allocations()
            counts.retains += polyphon_counted_retains()
            counts.locks += polyphon_counted_locks()
            counts.calls += 1
            for i in 0..<frames { left[i] *= 0.5; right[i] *= 0.5 }   // keep the summing buffers bounded
        }
        return counts
    }

    @Test("notes, chords, voice stealing and render: 0 allocations, 0 locks, 0 retains, 0 page faults",
          arguments: [(0, 0, 64), (0, 0, 256), (48, 0, 64), (56, 0, 256), (0, 128, 64)])
    func performanceIsRealtimeSafe(program: Int, bank: Int, frames: Int) throws {
        let polyphony = 16
        let c = try countedPerformance(program: program, bank: bank, frames: frames, seconds: 40,
                                       chordLimit: 24, polyphony: polyphony)
        print("SoundFont bank \(bank) program \(program), \(frames) frames, \(c.calls) calls: \(c.allocations) allocations, \(c.locks) locks, \(c.retains) retains, \(c.pageFaults) page faults; most voices \(c.maxVoices)/\(polyphony)")
        #expect(c.maxVoices == polyphony, "the script must fill the voice pool so stealing is exercised")
        #expect(c.allocations == 0)
        #expect(c.locks == 0)
        #expect(c.retains == 0)
        #expect(c.pageFaults == 0)
    }

    /// The lock counter sees fluidsynth's API mutex when it is on: so 0 above means none was taken.
    @Test func lockCounterSeesFluidsynthsMutexWhenThreadsafeAPIIsOn() throws {
        let path = try Rig.fontPath()
        let settings = try #require(new_fluid_settings())
        defer { delete_fluid_settings(settings) }
        fluid_settings_setint(settings, "synth.threadsafe-api", 1)
        let synth = try #require(new_fluid_synth(settings))
        defer { delete_fluid_synth(synth) }
        #expect(fluid_synth_sfload(synth, path, 1) != FLUID_FAILED)
        polyphon_lock_counting_begin()
        fluid_synth_noteon(synth, 0, 60, 100)
        polyphon_lock_counting_end()
        #expect(polyphon_counted_locks() > 0)
    }

    /// The page-fault count sees first touches of fresh memory.
    @Test func pageFaultCounterSeesFreshMemory() {
        let bytes = 8 << 20   // a fresh anonymous mapping: malloc might hand back memory already touched
        let mapping = mmap(nil, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
        #expect(mapping != MAP_FAILED)
        guard let mapping, mapping != MAP_FAILED else { return }
        defer { munmap(mapping, bytes) }
        let fresh = mapping.assumingMemoryBound(to: UInt8.self)
        let before = polyphon_thread_page_faults()
        for i in stride(from: 0, to: bytes, by: 4096) { fresh[i] = 1 }
        #expect(polyphon_thread_page_faults() - before > 100)
    }

    /// The allocation counter sees fluidsynth's own mallocs.
    @Test func allocationCounterSeesFluidsynth() {
        polyphon_counting_begin()
        let settings = new_fluid_settings()
        polyphon_counting_end()
        delete_fluid_settings(settings)
        #expect(polyphon_counted_allocations() > 0)
    }
}
