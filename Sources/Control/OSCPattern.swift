/// OSC 1.0 address pattern matching: `?`, `*`, `[abc]`, `[a-z]`, `[!a]` and `{foo,bar}`, each
/// within one `/`-separated part, so `/polyphon/agent/*/mute` reaches every agent.
public enum OSCPattern {
    public static func isPattern(_ address: String) -> Bool {
        address.contains { "*?[]{}".contains($0) }
    }

    /// True if the pattern `pattern` matches the concrete address `address`.
    public static func matches(_ pattern: String, _ address: String) -> Bool {
        let p = pattern.split(separator: "/", omittingEmptySubsequences: false)
        let a = address.split(separator: "/", omittingEmptySubsequences: false)
        guard p.count == a.count else { return false }
        return zip(p, a).allSatisfy { matchPart(Array($0), 0, Array($1), 0) }
    }

    private static func matchPart(_ p: [Character], _ pi: Int, _ s: [Character], _ si: Int) -> Bool {
        if pi == p.count { return si == s.count }
        switch p[pi] {
        case "*":
            var k = si
            while k <= s.count {
                if matchPart(p, pi + 1, s, k) { return true }
                k += 1
            }
            return false
        case "?":
            return si < s.count && matchPart(p, pi + 1, s, si + 1)
        case "[":
            guard si < s.count, let close = p[pi...].firstIndex(of: "]") else { return false }
            var set = Array(p[(pi + 1)..<close])
            var negate = false
            if set.first == "!" { negate = true; set.removeFirst() }
            var hit = false
            var i = 0
            while i < set.count {
                if i + 2 < set.count && set[i + 1] == "-" {
                    if set[i] <= s[si] && s[si] <= set[i + 2] { hit = true }
                    i += 3
                } else {
                    if set[i] == s[si] { hit = true }
                    i += 1
                }
            }
            return hit != negate && matchPart(p, close + 1, s, si + 1)
        case "{":
            guard let close = p[pi...].firstIndex(of: "}") else { return false }
            let options = String(p[(pi + 1)..<close]).split(separator: ",", omittingEmptySubsequences: false)
            for option in options {
                let o = Array(option)
                if si + o.count <= s.count && Array(s[si..<(si + o.count)]) == o && matchPart(p, close + 1, s, si + o.count) {
                    return true
                }
            }
            return false
        default:
            return si < s.count && s[si] == p[pi] && matchPart(p, pi + 1, s, si + 1)
        }
    }
}
