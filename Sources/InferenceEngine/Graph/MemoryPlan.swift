/// Where every tensor a run allocates lives inside one arena, worked out once for one set of
/// input shapes from a recorded run.
///
/// The first run with new input shapes records each allocation (its size, when it was made, when
/// it died). Tensors whose lifetimes do not overlap may share bytes, so the plan packs them
/// greedily, largest first, each at the lowest offset clear of every tensor alive at the same
/// time. Later runs with those shapes take each tensor's bytes from the arena at its planned
/// offset: no allocator calls, no fresh pages, and a footprint of the peak of live tensors rather
/// than whatever a size-keyed free list accumulates. Tensors never seen dying (graph outputs)
/// are not planned: they leave the run and must own their memory.
struct MemoryPlan: Sendable {
    struct Placement: Sendable {
        let bytes: Int
        /// Offset in the arena, nil for a tensor allocated on its own.
        let offset: Int?
        /// Earlier allocations whose bytes this one reuses: all of them must be dead when it is
        /// made, or the run has diverged from the recorded one (data-dependent shapes or control
        /// flow) and must stop following the plan.
        let reuses: [Int]
    }

    let placements: [Placement]
    let arenaBytes: Int

    /// Allocations beyond which planning is skipped: the packing and the `reuses` lists are
    /// quadratic, and a run that allocates this much (a long Loop) is better served by the free list.
    static let maximumAllocations = 2048

    /// The plan for a recorded run; nil when there is nothing to plan or too much.
    init?(_ trace: AllocationTrace) {
        let records = trace.records
        guard !records.isEmpty, records.count <= Self.maximumAllocations else { return nil }
        let alignment = ScratchStack.alignment
        var offsets = [Int?](repeating: nil, count: records.count)
        var placed: [Int] = []
        let order = records.indices.filter { records[$0].death != nil && records[$0].bytes > 0 }
            .sorted { records[$0].bytes != records[$1].bytes ? records[$0].bytes > records[$1].bytes : $0 < $1 }
        var arenaBytes = 0
        for index in order {
            let record = records[index]
            let size = (record.bytes + alignment - 1) / alignment * alignment
            // Occupied ranges of tensors alive at the same time, by offset.
            let busy = placed.compactMap { other -> Range<Int>? in
                guard record.overlaps(records[other]), let start = offsets[other] else { return nil }
                return start..<start + (records[other].bytes + alignment - 1) / alignment * alignment
            }.sorted { $0.lowerBound < $1.lowerBound }
            var offset = 0
            for range in busy where range.upperBound > offset {
                if range.lowerBound >= offset + size { break }
                offset = range.upperBound
            }
            offsets[index] = offset
            placed.append(index)
            arenaBytes = max(arenaBytes, offset + size)
        }
        placements = records.indices.map { index in
            guard let offset = offsets[index] else { return Placement(bytes: records[index].bytes, offset: nil, reuses: []) }
            let end = offset + records[index].bytes
            let reuses = records.indices.prefix(index).filter { earlier in
                guard let start = offsets[earlier] else { return false }
                return start < end && offset < start + records[earlier].bytes
            }
            return Placement(bytes: records[index].bytes, offset: offset, reuses: reuses)
        }
        self.arenaBytes = arenaBytes
    }
}

/// The allocations of one run, in order, with when each was made and when it died, on a clock
/// that ticks at every allocation and every death (so nested subgraph runs fit in).
struct AllocationTrace {
    struct Record {
        let bytes: Int
        let birth: Int
        /// nil when the tensor outlived the run (a graph output) or died unseen.
        var death: Int?

        func overlaps(_ other: Record) -> Bool {
            guard let death, let otherDeath = other.death else { return true }
            return birth <= otherDeath && other.birth <= death
        }
    }

    private(set) var records: [Record] = []
    private var clock = 0

    /// Records an allocation; returns its index.
    mutating func born(_ bytes: Int) -> Int {
        clock += 1
        records.append(Record(bytes: bytes, birth: clock))
        return records.count - 1
    }

    mutating func died(_ index: Int) {
        guard records.indices.contains(index) else { return }
        clock += 1
        if records[index].death == nil { records[index].death = clock }
    }
}

/// The input shapes and types a plan is for.
struct ShapeSignature: Hashable, Sendable {
    let values: [Int]

    init(_ inputs: [Tensor?]) {
        var values: [Int] = []
        for input in inputs {
            guard let input else {
                values.append(-1)
                continue
            }
            values.append(Int(input.elementType.rawValue))
            values.append(input.rank)
            values += input.shape
        }
        self.values = values
    }
}
