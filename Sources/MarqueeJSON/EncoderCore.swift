/// The shared state of one `JSONEncoding.encode` call.
///
/// Output is streamed, so the core keeps a stack of open *frames*: value slots
/// waiting for a value, and objects/arrays being filled. Every `Encoder` and
/// container refers to its frame by id; writing through one closes the frames
/// above it (finished nested containers). Writing to a frame that was already
/// closed is reported as an error instead of producing wrong JSON.
///
/// The core is confined to one `encode` call on one thread and never accessed
/// re-entrantly, so dynamic exclusivity checks are disabled on its hot stored
/// properties (they cost about a third of the encoding time).
final class EncoderCore {
    @exclusivity(unchecked) var out = OutputBuffer(capacity: 512)
    let nulls: NullEncoding
    @exclusivity(unchecked) var frames: [Frame] = []
    @exclusivity(unchecked) var nextID = 0
    /// The id of the innermost frame (0 when there is none).
    @exclusivity(unchecked) var topID = 0
    /// Duplicate-key state of the innermost frame when it is an object; outer
    /// objects keep theirs in `Frame.savedKeys` while a nested frame is open.
    @exclusivity(unchecked) var keys = KeyState()
    /// The first error found by a non-throwing API (e.g. `container(keyedBy:)`).
    @exclusivity(unchecked) var deferredError: (any Error)?

    struct Frame {
        enum Kind { case emptySlot, filledSlot, object, array }
        let id: Int
        var kind: Kind
        /// Where this frame sits in its parent, for coding paths; `nil` at the top level.
        let component: PathComponent?
        var savedKeys = KeyState()
    }

    struct KeyState {
        /// Output offset of the object's opening `{`.
        var objectStart = 0
        /// How many keys were written so far.
        var count = 0
        /// A 64-bit Bloom filter of the keys written so far.
        var filter: UInt64 = 0
        /// Objects with many keys: the escaped bytes of every key written so far.
        var set: Set<[UInt8]>? = nil
    }

    init(nulls: NullEncoding) {
        self.nulls = nulls
        frames.reserveCapacity(8)
    }

    // MARK: Top level

    func encodeTopLevel<T: Encodable>(_ value: T) throws {
        let slot = pushSlot(nil)
        try encode(value, intoSlot: slot)
        if let deferredError { throw deferredError }
        try activate(slot)
        if frames[frames.count - 1].kind == .emptySlot {
            throw error(.noValue, in: slot, detail: "\(T.self) did not encode any value")
        }
        closeTopFrame()
    }

    /// Turns any error from encoding into the public error type.
    static func publicError(_ error: any Error) -> any Error {
        guard let encodingError = error as? EncodingError else { return error }
        guard case .invalidValue(_, let context) = encodingError else { return error }
        if let underlying = context.underlyingError as? JSONEncodingError { return underlying }
        return JSONEncodingError(
            path: PathComponent.render(codingPath: context.codingPath),
            reason: .invalidValue(context.debugDescription))
    }

    // MARK: Frames

    func pushSlot(_ component: PathComponent?) -> Int {
        if !frames.isEmpty {
            frames[frames.count - 1].savedKeys = keys
            keys = KeyState()
        }
        nextID += 1
        frames.append(Frame(id: nextID, kind: .emptySlot, component: component))
        topID = nextID
        return nextID
    }

    /// Makes frame `id` the innermost one by closing the frames above it.
    @inline(__always)
    func activate(_ id: Int) throws {
        if topID == id { return }
        try activateSlow(id)
    }

    func activateSlow(_ id: Int) throws {
        if let deferredError { throw deferredError }
        guard let index = frames.lastIndex(where: { $0.id == id }) else {
            throw error(.invalidContainerUse(
                "a container was written to after it was finished; a streaming encoder needs each "
                    + "nested container to be complete before its parent is written to again"),
                in: nil, detail: "container used after it was finished")
        }
        while frames.count > index + 1 { closeTopFrame() }
    }

    /// Non-throwing variant for APIs such as `nestedContainer`, which cannot throw:
    /// the error is remembered and reported when encoding finishes.
    func activateDeferred(_ id: Int) -> Bool {
        do {
            try activate(id)
            return true
        } catch {
            record(error)
            return false
        }
    }

    func record(_ error: any Error) {
        if deferredError == nil { deferredError = error }
    }

    func closeTopFrame() {
        let frame = frames.removeLast()
        if frames.isEmpty {
            topID = 0
            keys = KeyState()
        } else {
            topID = frames[frames.count - 1].id
            keys = frames[frames.count - 1].savedKeys
            frames[frames.count - 1].savedKeys = KeyState()
        }
        switch frame.kind {
        case .object:
            out.endObject()
        case .array:
            out.endArray()
        case .emptySlot:
            // Foundation's JSONEncoder also writes an empty object for a value that encoded nothing.
            out.beginObject()
            out.endObject()
        case .filledSlot:
            break
        }
    }

    /// Opens an object or array in the empty slot `id`, or reuses the same kind of
    /// container when `container(keyedBy:)` / `unkeyedContainer()` is called again.
    /// Returns the container's frame id, or 0 after recording an error.
    func openContainer(inSlot id: Int, object: Bool) -> Int {
        guard activateDeferred(id) else { return 0 }
        let top = frames.count - 1
        switch frames[top].kind {
        case .emptySlot:
            if object {
                out.beginObject()
                frames[top].kind = .object
                keys = KeyState(objectStart: out.count - 1)
            } else {
                out.beginArray()
                frames[top].kind = .array
            }
            return id
        case .object where object, .array where !object:
            return id
        default:
            let what = object ? "a keyed container" : "an unkeyed container"
            record(error(.invalidContainerUse("requested \(what) for a value that was already encoded differently"),
                        in: id, detail: "conflicting containers"))
            return 0
        }
    }

    /// Pushes and opens a nested object or array after its key or comma position.
    func pushContainer(object: Bool, component: PathComponent) -> Int {
        let id = pushSlot(component)
        return openContainer(inSlot: id, object: object)
    }

    /// Writes `"key":` in the innermost object (frame `id`), rejecting duplicates.
    @inline(__always)
    func writeKey(_ key: String, in id: Int) throws {
        try activate(id)
        let keyStart = out.needsComma ? out.count + 1 : out.count
        out.writeKey(key)
        try checkDuplicate(key, keyStart: keyStart)
    }

    /// Checks the key just written (its quoted, escaped bytes start at `keyStart`
    /// and end before the final `:`) against the object's earlier keys.
    ///
    /// Escaping is deterministic and injective, so equal keys have equal escaped
    /// bytes. A 64-bit Bloom filter rules out most keys; on a possible hit, the
    /// object's output so far is scanned for the earlier keys. Objects with many
    /// keys switch to an exact set.
    func checkDuplicate(_ key: String, keyStart: Int) throws {
        let keyEnd = out.count - 1
        let base = out.base
        keys.count += 1
        if keys.count > 32 {
            if keys.set == nil {
                var set = Set<[UInt8]>()
                forEachKey(inObjectAt: keys.objectStart, before: keyStart) { start, end in
                    set.insert(Array(UnsafeBufferPointer(start: base + start, count: end - start)))
                    return false
                }
                keys.set = set
            }
            let bytes = Array(UnsafeBufferPointer(start: base + keyStart, count: keyEnd - keyStart))
            if !keys.set!.insert(bytes).inserted { throw duplicate(key) }
            return
        }
        let length = keyEnd - keyStart
        let last = Int(base[keyEnd - 2])
        let previous = length >= 4 ? Int(base[keyEnd - 3]) : 0
        let bit: UInt64 = 1 << UInt64((length &* 31 &+ last &* 7 &+ previous) & 63)
        if keys.filter & bit != 0 {
            let found = forEachKey(inObjectAt: keys.objectStart, before: keyStart) { start, end in
                end - start == length && memoryEqual(base + start, base + keyStart, length)
            }
            if found { throw duplicate(key) }
        }
        keys.filter |= bit
    }

    /// Calls `body` with the output range of each key (quotes included) of the
    /// object whose `{` is at `objectStart`, up to `end`; stops when `body` returns true.
    @discardableResult
    func forEachKey(inObjectAt objectStart: Int, before end: Int, _ body: (Int, Int) -> Bool) -> Bool {
        let base = out.base
        var i = objectStart + 1
        var depth = 1
        var expectKey = true
        while i < end {
            switch base[i] {
            case UInt8(ascii: "\""):
                let start = i
                i += 1
                while base[i] != UInt8(ascii: "\"") { i += base[i] == UInt8(ascii: "\\") ? 2 : 1 }
                i += 1
                if depth == 1 && expectKey {
                    if body(start, i) { return true }
                    expectKey = false
                }
                continue
            case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"): depth -= 1
            case UInt8(ascii: ","): if depth == 1 { expectKey = true }
            default: break
            }
            i += 1
        }
        return false
    }

    private func duplicate(_ key: String) -> EncodingError {
        error(.duplicateKey(key), in: frames[frames.count - 1].id, extra: .key(key),
              detail: "duplicate key '\(key)'")
    }

    // MARK: Values

    /// Encodes a nested value (after its key or comma position) in a new slot.
    @inline(__always)
    func encodeNested<T: Encodable>(_ value: T, component: PathComponent) throws {
        if try writeFast(value, component: component) { return }
        let slot = pushSlot(component)
        try value.encode(to: JSONEncoderImpl(core: self, slot: slot))
        if let deferredError { throw deferredError }
        try activate(slot)
        closeTopFrame()
    }

    /// Encodes `value` into the existing empty slot `slot` (single-value containers).
    func encode<T: Encodable>(_ value: T, intoSlot slot: Int) throws {
        try activate(slot)
        guard frames[frames.count - 1].kind == .emptySlot else { throw alreadyEncoded(slot) }
        if try writeFast(value, component: nil) {
            frames[frames.count - 1].kind = .filledSlot
            return
        }
        try value.encode(to: JSONEncoderImpl(core: self, slot: slot))
    }

    /// Marks the single-value slot `slot` as filled before a scalar is written to it.
    @inline(__always)
    func fillSlot(_ slot: Int) throws {
        try activate(slot)
        guard frames[frames.count - 1].kind == .emptySlot else { throw alreadyEncoded(slot) }
        frames[frames.count - 1].kind = .filledSlot
    }

    private func alreadyEncoded(_ slot: Int) -> EncodingError {
        error(.invalidContainerUse("a single value was encoded twice, or after a container was requested"),
              in: slot, detail: "single value encoded twice")
    }

    /// Writes common leaf types directly, skipping the `Encodable` round trip.
    @inline(__always)
    func writeFast<T: Encodable>(_ value: T, component: PathComponent?) throws -> Bool {
        if T.self == String.self {
            out.write(unsafeBitCast(value, to: String.self))
        } else if T.self == Int.self {
            out.writeInteger(unsafeBitCast(value, to: Int.self))
        } else if T.self == Int64.self {
            out.writeInteger(unsafeBitCast(value, to: Int64.self))
        } else if T.self == Bool.self {
            out.write(unsafeBitCast(value, to: Bool.self))
        } else if T.self == Double.self {
            try writeDouble(unsafeBitCast(value, to: Double.self), component: component)
        } else if T.self == JSONValue.self {
            try writeValue(unsafeBitCast(value, to: JSONValue.self), component: component)
        } else {
            return false
        }
        return true
    }

    /// Writes an integer, rejecting values outside `Int64`: `JSONValue` and
    /// `JSONDecoding` read integers as `Int64`, so such a value could be
    /// written but never read back exactly.
    @inline(__always)
    func writeInteger<T: FixedWidthInteger>(_ value: T, component: PathComponent?) throws {
        let fitsInt64 = T.bitWidth < 64 || (T.bitWidth == 64 && T.isSigned)
        guard fitsInt64 || Int64(exactly: value) != nil else {
            throw error(.integerOutOfRange(String(value)), in: frames.last?.id, extra: component,
                        detail: "integer \(value) outside Int64")
        }
        out.writeInteger(value)
    }

    func writeDouble(_ value: Double, component: PathComponent?) throws {
        guard value.isFinite else { throw nonFinite("\(value)", component) }
        out.write(value)
    }

    func writeFloat(_ value: Float, component: PathComponent?) throws {
        guard value.isFinite else { throw nonFinite("\(value)", component) }
        out.write(value)
    }

    /// Writes a `JSONValue` tree, rejecting non-finite doubles in it.
    func writeValue(_ value: JSONValue, component: PathComponent?) throws {
        try checkFinite(value, component: component)
        out.write(value)
    }

    private func checkFinite(_ value: JSONValue, component: PathComponent?) throws {
        switch value {
        case .double(let d) where !d.isFinite: throw nonFinite("\(d)", component)
        case .array(let elements): for e in elements { try checkFinite(e, component: component) }
        case .object(let object): for m in object.entries { try checkFinite(m.value, component: component) }
        default: break
        }
    }

    private func nonFinite(_ text: String, _ component: PathComponent?) -> EncodingError {
        error(.nonFiniteNumber(text), in: frames.last?.id, extra: component, detail: "non-finite number \(text)")
    }

    // MARK: Paths and errors

    /// The coding path of frame `id` (empty when it is no longer open).
    func codingPath(of id: Int?) -> [PathComponent] {
        guard let id, let index = frames.lastIndex(where: { $0.id == id }) else { return [] }
        return frames[...index].compactMap(\.component)
    }

    func error(_ reason: JSONEncodingError.Reason, in id: Int?, extra: PathComponent? = nil,
               detail: String) -> EncodingError {
        var path = codingPath(of: id)
        if let extra { path.append(extra) }
        let underlying = JSONEncodingError(path: PathComponent.render(path), reason: reason)
        return .invalidValue(detail, .init(codingPath: path.map(\.codingKey), debugDescription: underlying.description,
                                           underlyingError: underlying))
    }
}
