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

/// The names behind a model's `ValueID`s.
struct ValueNames: Sendable {
    fileprivate(set) var all: [String] = []

    var count: Int { all.count }

    subscript(id: ValueID) -> String { id.isEmpty ? "" : all[Int(id.index)] }

    /// What error messages call a node: its name, else its first output's, else its op type.
    func node(_ node: NodeProto) -> String {
        node.name.isEmpty ? (node.outputs.first(where: { !$0.isEmpty }).map { self[$0] } ?? node.opType) : node.name
    }
}

/// Assigns `ValueID`s while a model is parsed; one per model, so a subgraph and its enclosing
/// graphs agree on what a name refers to.
struct ValueNameInterner {
    private(set) var names = ValueNames()
    private var ids: [String: ValueID] = [:]
    /// Operator types, domains and attribute names: a few distinct strings repeated on every node,
    /// kept as one shared copy each.
    private var symbols: Set<String> = []

    mutating func id(for name: String) -> ValueID {
        guard !name.isEmpty else { return .none }
        if let id = ids[name] { return id }
        let id = ValueID(index: Int32(names.count))
        names.all.append(name)
        ids[name] = id
        return id
    }

    /// The copy of `name` already stored, so equal names share one buffer.
    func name(of id: ValueID) -> String { names[id] }

    mutating func symbol(_ string: String) -> String {
        if let existing = symbols.firstIndex(of: string) { return symbols[existing] }
        symbols.insert(string)
        return string
    }
}

/// Facts the compiler gathers per value, indexed by `ValueID`: an array where a dictionary keyed
/// by name would cost tens of bytes per entry. Reading `.none` gives the default; writing it is
/// ignored (an omitted input has no facts).
struct ValueTable<Element> {
    private var storage: [Element]
    private let fallback: Element

    init(count: Int, default fallback: Element) {
        storage = [Element](repeating: fallback, count: count)
        self.fallback = fallback
    }

    subscript(id: ValueID) -> Element {
        get { id.isEmpty ? fallback : storage[Int(id.index)] }
        set { if !id.isEmpty { storage[Int(id.index)] = newValue } }
    }

    /// Values whose entry is not the default, in ID order.
    func ids(where predicate: (Element) -> Bool) -> [ValueID] {
        storage.indices.filter { predicate(storage[$0]) }.map { ValueID(index: Int32($0)) }
    }
}

/// A node's inputs or outputs: a zero-based view of part of the one array a node keeps for both.
struct ValueList: RandomAccessCollection, Equatable {
    fileprivate let values: ArraySlice<ValueID>

    var startIndex: Int { 0 }
    var endIndex: Int { values.count }
    subscript(position: Int) -> ValueID { values[values.startIndex + position] }
}

extension NodeProto {
    var inputs: ValueList { ValueList(values: wiring[..<inputCount]) }
    var outputs: ValueList { ValueList(values: wiring[inputCount...]) }

    mutating func appendInput(_ value: ValueID) {
        wiring.insert(value, at: inputCount)
        inputCount += 1
    }

    mutating func appendOutput(_ value: ValueID) { wiring.append(value) }

    /// Swaps the order of the inputs (a commutative Add read with its constant side second).
    mutating func reverseInputs() { wiring[..<inputCount].reverse() }
}
