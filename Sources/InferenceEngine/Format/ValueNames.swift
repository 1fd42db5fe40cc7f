/// A value (tensor) name of a model, interned when the file is parsed.
///
/// Nodes name their inputs and outputs; the same name appears once where it is produced and again
/// at every reader. Numbering names once means the parse tree holds four bytes per reference
/// instead of a string each, and the compiler's per-value facts are arrays instead of dictionaries
/// keyed by name: for a many-node model those strings and dictionaries were most of the memory a
/// load needed beyond the weights.
struct ValueID: Hashable, Sendable {
    let index: Int32

    /// The empty name: an omitted optional input or an unnamed output.
    static let none = ValueID(index: -1)

    var isEmpty: Bool { index < 0 }
}

/// The names behind a model's `ValueID`s, read from the file buffer when asked for.
///
/// A name is kept as where its bytes sit in the file, not as a string: only error messages and a
/// few graph-level names ever need the text. The buffer stays alive and unchanged at those bytes
/// for the whole load (a weight slide only rewrites bytes inside a tensor's own message), and the
/// load is the only time names are read; a name first seen inside a tensor message (an
/// initializer's own name) is copied instead.
struct ValueNames {
    private let buffer: UnsafeRawBufferPointer
    fileprivate var ranges: [Range<Int32>] = []
    fileprivate var copies: [Int32: String] = [:]

    init(buffer: UnsafeRawBufferPointer = UnsafeRawBufferPointer(start: nil, count: 0)) { self.buffer = buffer }

    var count: Int { ranges.count }

    subscript(id: ValueID) -> String {
        guard !id.isEmpty else { return "" }
        if let copy = copies[id.index] { return copy }
        let range = ranges[Int(id.index)]
        return String(decoding: UnsafeRawBufferPointer(rebasing: buffer[Int(range.lowerBound)..<Int(range.upperBound)]), as: UTF8.self)
    }

    /// What error messages and profiles call a node: its name, else its first output's, else its
    /// op type. The name is read from the node's message (parse checked it is well formed).
    func node(_ node: NodeProto) -> String {
        var reader = ProtoReader(buffer: buffer, range: node.message)
        while let (field, wire) = try? reader.nextField() {
            if field == 3, wire == .lengthDelimited, let name = try? reader.string(), !name.isEmpty { return name }
            guard (try? reader.skip(wire)) != nil else { break }
        }
        return node.outputs.first(where: { !$0.isEmpty }).map { self[$0] } ?? node.opType
    }

    /// Calls `body` with the bytes of name `id`.
    fileprivate func withBytes<Result>(_ id: Int32, _ body: (UnsafeRawBufferPointer) -> Result) -> Result {
        if var copy = copies[id] { return copy.withUTF8 { body(UnsafeRawBufferPointer($0)) } }
        let range = ranges[Int(id)]
        return body(UnsafeRawBufferPointer(rebasing: buffer[Int(range.lowerBound)..<Int(range.upperBound)]))
    }
}

/// Assigns `ValueID`s while a model is parsed; one per model, so a subgraph and its enclosing
/// graphs agree on what a name refers to. An open-addressing table over the names' bytes in the
/// file: no string is made for a name, however often it is referenced.
struct ValueNameInterner {
    private(set) var names: ValueNames
    /// Value IDs by hash of their bytes; -1 is empty. The capacity stays a power of two at least
    /// twice the name count.
    private var table = [Int32](repeating: -1, count: 64)
    /// Operator types, domains and attribute names: a few distinct strings repeated on every node,
    /// kept as one shared copy each.
    private var symbols: Set<String> = []

    init(buffer: UnsafeRawBufferPointer) { names = ValueNames(buffer: buffer) }

    /// The ID of the name whose bytes are at `range` of the file; `.none` for the empty name.
    mutating func id(at range: Range<Int>, in buffer: UnsafeRawBufferPointer) -> ValueID {
        guard !range.isEmpty else { return .none }
        let place = find(UnsafeRawBufferPointer(rebasing: buffer[range]))
        if let id = place.id { return id }
        names.ranges.append(Int32(range.lowerBound)..<Int32(range.upperBound))
        return claim(place.slot)
    }

    /// The ID of `name`, read from a tensor message whose bytes a weight slide may later overwrite.
    mutating func id(copying name: String) -> ValueID {
        guard !name.isEmpty else { return .none }
        var bytes = name
        let place = bytes.withUTF8 { find(UnsafeRawBufferPointer($0)) }
        if let id = place.id { return id }
        names.copies[Int32(names.count)] = name
        names.ranges.append(0..<0)
        return claim(place.slot)
    }

    /// The name's ID if it is known, else the free slot where the next new name goes.
    private func find(_ bytes: UnsafeRawBufferPointer) -> (id: ValueID?, slot: Int) {
        let mask = table.count - 1
        var slot = Self.hash(bytes) & mask
        while table[slot] >= 0 {
            if names.withBytes(table[slot], { $0.elementsEqual(bytes) }) { return (ValueID(index: table[slot]), slot) }
            slot = (slot + 1) & mask
        }
        return (nil, slot)
    }

    /// Enters the name just recorded as the last of `names` at `slot`.
    private mutating func claim(_ slot: Int) -> ValueID {
        let id = Int32(names.count - 1)
        table[slot] = id
        if names.count * 2 > table.count { grow() }
        return ValueID(index: id)
    }

    private mutating func grow() {
        let old = table
        table = [Int32](repeating: -1, count: old.count * 2)
        let mask = table.count - 1
        for id in old where id >= 0 {
            var slot = names.withBytes(id, Self.hash) & mask
            while table[slot] >= 0 { slot = (slot + 1) & mask }
            table[slot] = id
        }
    }

    /// FNV-1a.
    private static func hash(_ bytes: UnsafeRawBufferPointer) -> Int {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return Int(truncatingIfNeeded: hash)
    }

    mutating func symbol(_ string: String) -> String {
        if let existing = symbols.firstIndex(of: string) { return symbols[existing] }
        symbols.insert(string)
        return string
    }
}
