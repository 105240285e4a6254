/// HTML escaping for server-rendered pages.
public enum HTML {
    /// Escapes `&`, `<`, `>`, `"` and `'` so `text` is safe both as element content and inside a
    /// quoted attribute value (OWASP XSS prevention rules 1 and 2). C0 controls other than tab,
    /// newline and carriage return, and U+FFFE/U+FFFF-class noncharacters, are dropped: HTML
    /// forbids them in documents and they have no business in names or descriptions.
    public static func escape(_ text: String) -> String {
        var out = ""
        out.unicodeScalars.reserveCapacity(text.unicodeScalars.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
            default:
                let v = scalar.value
                if v < 0x20 || v == 0x7F || (0x80...0x9F).contains(v) || (0xFDD0...0xFDEF).contains(v) || v & 0xFFFE == 0xFFFE {
                    continue
                }
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
