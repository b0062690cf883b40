import Foundation

#if FUZZING
/// libFuzzer's entry point, in the fuzzer build only (`Fuzz/run.sh`: `-sanitize=fuzzer
/// -DFUZZING`, linked by the script so that libFuzzer supplies `main`). The input is copied
/// out of libFuzzer's buffer, then read.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data, size > 0 else { return 0 }
    readOne(Array(UnsafeBufferPointer(start: data, count: size))[...])
    return 0
}
#else
/// In a normal build the harness replays files instead: `polyphon-fuzz FILE|DIR...` runs every
/// file (first byte picks the reader) and exits 0 if none crashed, so the corpus and every
/// reproducer stay a plain regression run without the fuzzer's toolchain support.
@main struct Replay {
    static func main() {
        var count = 0
        for arg in CommandLine.arguments.dropFirst() {
            for path in files(at: arg) {
                guard let data = FileManager.default.contents(atPath: path) else {
                    print("polyphon-fuzz: cannot read \(path)")
                    exit(2)
                }
                readOne(Array(data)[...])
                count += 1
            }
        }
        print("polyphon-fuzz: replayed \(count) inputs through \(parsersUnderFuzz.map(\.name).joined(separator: ", "))")
    }

    /// A file, or every file under a folder, in a stable order.
    static func files(at path: String) -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return [path] }
        guard isDirectory.boolValue else { return [path] }
        let all = FileManager.default.enumerator(atPath: path)?.compactMap { $0 as? String } ?? []
        return all.sorted().map { path + "/" + $0 }.filter {
            var d: ObjCBool = false
            return FileManager.default.fileExists(atPath: $0, isDirectory: &d) && !d.boolValue
        }
    }
}
#endif
