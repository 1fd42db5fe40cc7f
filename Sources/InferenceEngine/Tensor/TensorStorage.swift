/// The bytes behind a tensor: either owned (allocated, 64-byte aligned) or borrowed from a buffer
/// the storage keeps alive: the model's file (weights, so a model's bytes live once) or a run's
/// arena (tensors placed by a memory plan).
///
/// Storage is written only by the operator that creates it, before the tensor is published;
/// after that it is read-only, which is what makes sharing it across threads safe.
final class TensorStorage: @unchecked Sendable {
    let bytes: UnsafeMutableRawPointer
    let byteCount: Int
    private let owner: AnyObject?
    /// Which allocation of its run this is (see `MemoryPlan`), so the run can tell when it dies;
    /// -1 for storage made outside a run's context.
    var allocationIndex = -1

    /// Allocates storage for `byteCount` bytes, zeroed unless the caller writes every byte itself.
    init(byteCount: Int, zeroed: Bool = true) {
        self.byteCount = byteCount
        bytes = UnsafeMutableRawPointer.allocate(byteCount: max(byteCount, 1), alignment: 64)
        if zeroed { bytes.initializeMemory(as: UInt8.self, repeating: 0, count: max(byteCount, 1)) }
        owner = nil
    }

    /// Borrows `byteCount` bytes at `bytes`, which `owner` keeps alive.
    init(borrowing bytes: UnsafeMutableRawPointer, byteCount: Int, owner: AnyObject) {
        self.bytes = bytes
        self.byteCount = byteCount
        self.owner = owner
    }

    /// Whether this storage is its own allocation (and so may be recycled for another tensor).
    var isOwned: Bool { owner == nil }

    /// Whether these bytes belong to `object` (a model file, a run's arena).
    func isBorrowed(from object: AnyObject) -> Bool { owner === object }

    /// Whether these bytes are a model's weights, borrowed from its file: they never change while
    /// the model lives, so what is derived from them (packed panels) may be cached.
    var isModelWeights: Bool { owner is ModelBytes }

    deinit {
        if owner == nil { bytes.deallocate() }
    }
}
