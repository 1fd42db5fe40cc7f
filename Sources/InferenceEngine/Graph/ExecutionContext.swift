/// Per-run state handed to operators: the buffer pool that recycles storage of tensors whose
/// lifetime has ended, so a run touches far less fresh memory than the sum of its activations.
/// One context serves one run on one thread.
final class ExecutionContext {
    private var free: [Int: [TensorStorage]] = [:]
    let threads: Int

    init(threads: Int = 1) { self.threads = threads }

    /// A zero-filled tensor, reusing storage of the same byte size when one is free.
    func allocate(_ type: ElementType, _ shape: [Int]) -> Tensor {
        let bytes = shape.reduce(1, *) * type.byteWidth
        if var list = free[bytes], let storage = list.popLast() {
            free[bytes] = list
            storage.bytes.initializeMemory(as: UInt8.self, repeating: 0, count: bytes)
            return Tensor(elementType: type, shape: shape, storage: storage)
        }
        return Tensor(zeros: type, shape: shape)
    }

    /// Takes back storage that nothing else references any more.
    func recycle(_ tensor: inout Tensor?) {
        guard var storage = tensor?.storage else { return }
        tensor = nil
        if isKnownUniquelyReferenced(&storage), storage.isOwned, storage.byteCount > 0 {
            free[storage.byteCount, default: []].append(storage)
        }
    }
}
