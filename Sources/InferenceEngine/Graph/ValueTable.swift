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

    /// Values whose entry satisfies `predicate`, in ID order.
    func ids(where predicate: (Element) -> Bool) -> [ValueID] {
        storage.indices.filter { predicate(storage[$0]) }.map { ValueID(index: Int32($0)) }
    }
}
