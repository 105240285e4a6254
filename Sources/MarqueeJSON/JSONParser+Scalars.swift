// Strings (RFC 8259 section 7, UTF-8 per section 8.1) and numbers (section 6).

extension JSONParser {
    // MARK: Strings

    /// For eight string bytes loaded little-endian, a mask whose lowest set bit
    /// marks the first byte that is `"`, `\`, a control character or non-ASCII.
    /// (Higher bits may be false positives; the lowest one never is.)
    @inline(__always)
    static func stringAttentionMask(_ word: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let high: UInt64 = 0x8080_8080_8080_8080
        let quote = word ^ (ones &* 0x22)
        let backslash = word ^ (ones &* 0x5C)
        let quoteZero = (quote &- ones) & ~quote
        let backslashZero = (backslash &- ones) & ~backslash
        let control = (word &- ones &* 0x20) & ~word
        return (quoteZero | backslashZero | control | word) & high
    }

    /// Parses a string whose opening quote is at `pos`. A string without escapes
    /// becomes a `String` straight from its byte range.
    mutating func parseString() throws(JSONError) -> String {
        pos += 1
        let start = pos
        let count = input.count
        let base = input.baseAddress!  // non-empty: it holds at least the opening quote
        while true {
            while pos &+ 8 <= count {
                let mask = Self.stringAttentionMask(UnsafeRawPointer(base + pos).loadUnaligned(as: UInt64.self))
                if mask != 0 {
                    #if _endian(little)
                    pos &+= mask.trailingZeroBitCount &>> 3
                    #endif
                    break
                }
                pos &+= 8
            }
            guard pos < count else { throw .unexpectedEnd }
            let byte = base[pos]
            if byte == UInt8(ascii: "\"") {
                let buffer = UnsafeBufferPointer(start: base + start, count: pos - start)
                stringHash = Self.hash(buffer)
                pos += 1
                return Self.makeString(buffer)
            }
            if byte == UInt8(ascii: "\\") { return try parseEscapedString(from: start) }
            if byte < 0x20 { throw .controlCharacterInString(offset: pos) }
            if byte < 0x80 { pos += 1 } else { try skipUTF8Sequence() }
        }
    }

    /// Makes a `String` from bytes already validated as UTF-8. This initializer
    /// skips the separate validation pass of `String(decoding:as:)` for short
    /// ASCII strings and validates long ones in place while copying once.
    @inline(__always)
    static func makeString(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        guard let source = bytes.baseAddress, bytes.count > 0 else { return "" }
        return String(unsafeUninitializedCapacity: bytes.count) { target in
            target.baseAddress!.update(from: source, count: bytes.count)
            return bytes.count
        }
    }

    /// A hash of decoded string bytes for the duplicate-key Bloom filter.
    @inline(__always)
    static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        let count = bytes.count
        guard count >= 2 else { return count == 0 ? 0 : 31 &+ Int(bytes[0]) &* 7 }
        return count &* 31 &+ Int(bytes[count - 1]) &* 7 &+ Int(bytes[count - 2])
    }

    /// Continues a string at its first backslash (`pos`), decoding into `scratch`.
    mutating func parseEscapedString(from start: Int) throws(JSONError) -> String {
        let count = input.count
        scratch.removeAll(keepingCapacity: true)
        scratch.append(contentsOf: UnsafeBufferPointer(rebasing: input[start..<pos]))
        while true {
            guard pos < count else { throw .unexpectedEnd }
            let byte = input[pos]
            if byte == UInt8(ascii: "\"") {
                pos += 1
                stringHash = scratch.withUnsafeBufferPointer { Self.hash($0) }
                return scratch.withUnsafeBufferPointer { Self.makeString($0) }
            } else if byte == UInt8(ascii: "\\") {
                try appendEscape()
            } else if byte < 0x20 {
                throw .controlCharacterInString(offset: pos)
            } else if byte < 0x80 {
                let run = pos
                pos += 1
                while pos < count {
                    let b = input[pos]
                    guard b >= 0x20, b < 0x80, b != UInt8(ascii: "\""), b != UInt8(ascii: "\\") else { break }
                    pos += 1
                }
                scratch.append(contentsOf: UnsafeBufferPointer(rebasing: input[run..<pos]))
            } else {
                let sequence = pos
                try skipUTF8Sequence()
                scratch.append(contentsOf: UnsafeBufferPointer(rebasing: input[sequence..<pos]))
            }
        }
    }

    /// Decodes the escape sequence at `pos` (a backslash) into `scratch`.
    mutating func appendEscape() throws(JSONError) {
        let escape = pos
        let count = input.count
        guard pos + 1 < count else { throw .unexpectedEnd }
        let byte: UInt8
        switch input[pos + 1] {
        case UInt8(ascii: "\""): byte = 0x22
        case UInt8(ascii: "\\"): byte = 0x5C
        case UInt8(ascii: "/"): byte = 0x2F
        case UInt8(ascii: "b"): byte = 0x08
        case UInt8(ascii: "f"): byte = 0x0C
        case UInt8(ascii: "n"): byte = 0x0A
        case UInt8(ascii: "r"): byte = 0x0D
        case UInt8(ascii: "t"): byte = 0x09
        case UInt8(ascii: "u"):
            var scalar = try readHex4(at: pos + 2, escape: escape)
            pos += 6
            if scalar >= 0xD800 && scalar <= 0xDBFF {
                // A high surrogate must be followed directly by an escaped low surrogate.
                guard pos < count else { throw .unexpectedEnd }
                guard input[pos] == UInt8(ascii: "\\") else { throw .loneSurrogate(offset: escape) }
                guard pos + 1 < count else { throw .unexpectedEnd }
                guard input[pos + 1] == UInt8(ascii: "u") else { throw .loneSurrogate(offset: escape) }
                let low = try readHex4(at: pos + 2, escape: pos)
                guard low >= 0xDC00 && low <= 0xDFFF else { throw .loneSurrogate(offset: escape) }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                pos += 6
            } else if scalar >= 0xDC00 && scalar <= 0xDFFF {
                throw .loneSurrogate(offset: escape)
            }
            appendUTF8(scalar)
            return
        default:
            throw .invalidEscape(offset: escape)
        }
        scratch.append(byte)
        pos += 2
    }

    /// Reads four hexadecimal digits at `index` for the escape starting at `escape`.
    func readHex4(at index: Int, escape: Int) throws(JSONError) -> UInt32 {
        var value: UInt32 = 0
        for i in index..<index + 4 {
            guard i < input.count else { throw .unexpectedEnd }
            let byte = input[i]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw .invalidEscape(offset: escape)
            }
            value = value << 4 | UInt32(digit)
        }
        return value
    }

    mutating func appendUTF8(_ scalar: UInt32) {
        switch scalar {
        case 0..<0x80:
            scratch.append(UInt8(scalar))
        case 0x80..<0x800:
            scratch.append(UInt8(0xC0 | scalar >> 6))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        case 0x800..<0x10000:
            scratch.append(UInt8(0xE0 | scalar >> 12))
            scratch.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        default:
            scratch.append(UInt8(0xF0 | scalar >> 18))
            scratch.append(UInt8(0x80 | scalar >> 12 & 0x3F))
            scratch.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        }
    }

    /// Validates one multi-byte UTF-8 sequence at `pos` (RFC 3629 section 4:
    /// no overlong forms, no surrogates, nothing above U+10FFFF) and skips it.
    mutating func skipUTF8Sequence() throws(JSONError) {
        let lead = input[pos]
        var length = 2
        var low: UInt8 = 0x80
        var high: UInt8 = 0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; low = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; high = 0x9F
        case 0xF0: length = 4; low = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; high = 0x8F
        default: throw .invalidUTF8(offset: pos)
        }
        for i in 1..<length {
            guard pos + i < input.count else { throw .unexpectedEnd }
            let byte = input[pos + i]
            let valid = i == 1 ? (byte >= low && byte <= high) : (byte & 0xC0 == 0x80)
            guard valid else { throw .invalidUTF8(offset: pos) }
        }
        pos += length
    }

    // MARK: Numbers

    /// Parses `[ minus ] int [ frac ] [ exp ]` at `pos` (RFC 8259 section 6).
    mutating func parseNumber() throws(JSONError) -> JSONValue {
        let start = pos
        let count = input.count
        let negative = input[pos] == UInt8(ascii: "-")
        if negative { pos += 1 }
        guard pos < count, isDigit(input[pos]) else { throw .invalidNumber(offset: start) }

        var mantissa: UInt64 = 0
        var exact = true  // `mantissa` holds every digit seen
        if input[pos] == UInt8(ascii: "0") {
            pos += 1
            if pos < count && isDigit(input[pos]) { throw .invalidNumber(offset: start) }
        } else {
            accumulateDigits(into: &mantissa, exact: &exact)
        }

        var isInteger = true
        var fractionDigits = 0
        if pos < count && input[pos] == UInt8(ascii: ".") {
            isInteger = false
            pos += 1
            guard pos < count, isDigit(input[pos]) else { throw .invalidNumber(offset: start) }
            let fractionStart = pos
            accumulateDigits(into: &mantissa, exact: &exact)
            fractionDigits = pos - fractionStart
        }

        var exponent = 0
        if pos < count && input[pos] | 0x20 == UInt8(ascii: "e") {
            isInteger = false
            pos += 1
            var exponentNegative = false
            if pos < count && (input[pos] == UInt8(ascii: "+") || input[pos] == UInt8(ascii: "-")) {
                exponentNegative = input[pos] == UInt8(ascii: "-")
                pos += 1
            }
            guard pos < count, isDigit(input[pos]) else { throw .invalidNumber(offset: start) }
            while pos < count, isDigit(input[pos]) {
                if exponent < 1_000_000 { exponent = exponent * 10 + Int(input[pos] - UInt8(ascii: "0")) }
                pos += 1
            }
            if exponentNegative { exponent = -exponent }
        }

        if isInteger && exact {
            if !negative && mantissa <= UInt64(Int64.max) { return .integer(Int64(mantissa)) }
            if negative && mantissa <= Int64.min.magnitude { return .integer(Int64(truncatingIfNeeded: 0 &- mantissa)) }
        }
        // Exact fast path (Clinger): both operands are exactly representable, so a
        // single IEEE multiplication or division rounds correctly.
        if exact && mantissa <= 1 << 53 {
            let power = exponent - fractionDigits
            if power >= -22 && power <= 22 {
                var result = Double(mantissa)
                if power < 0 { result /= Self.powerOfTen(-power) } else { result *= Self.powerOfTen(power) }
                return .double(negative ? -result : result)
            }
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: input[start..<pos]), as: UTF8.self)
        guard let result = Double(text) else { throw .invalidNumber(offset: start) }
        guard result.isFinite else { throw .numberOutOfRange(offset: start) }
        return .double(result)
    }

    @inline(__always)
    func isDigit(_ byte: UInt8) -> Bool {
        byte &- UInt8(ascii: "0") < 10
    }

    @inline(__always)
    mutating func accumulateDigits(into mantissa: inout UInt64, exact: inout Bool) {
        while pos < input.count {
            let digit = input[pos] &- UInt8(ascii: "0")
            guard digit < 10 else { return }
            if exact {
                let (times10, overflow1) = mantissa.multipliedReportingOverflow(by: 10)
                let (sum, overflow2) = times10.addingReportingOverflow(UInt64(digit))
                if overflow1 || overflow2 { exact = false } else { mantissa = sum }
            }
            pos += 1
        }
    }

    /// 10^power for 0...22, all exactly representable as `Double`.
    @inline(__always)
    static func powerOfTen(_ power: Int) -> Double {
        switch power {
        case 0: return 1e0
        case 1: return 1e1
        case 2: return 1e2
        case 3: return 1e3
        case 4: return 1e4
        case 5: return 1e5
        case 6: return 1e6
        case 7: return 1e7
        case 8: return 1e8
        case 9: return 1e9
        case 10: return 1e10
        case 11: return 1e11
        case 12: return 1e12
        case 13: return 1e13
        case 14: return 1e14
        case 15: return 1e15
        case 16: return 1e16
        case 17: return 1e17
        case 18: return 1e18
        case 19: return 1e19
        case 20: return 1e20
        case 21: return 1e21
        default: return 1e22
        }
    }
}
