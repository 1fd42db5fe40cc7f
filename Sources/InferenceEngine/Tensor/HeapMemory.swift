import CKernels

/// The allocator's free pages. glibc keeps freed memory resident (in its arenas) for reuse; after a
/// burst that allocated a lot (a model load, a large inference request) the pages it freed can go
/// back to the system, so the process returns to its idle size.
public enum HeapMemory {
    /// Hands free heap pages back to the system (glibc's malloc_trim; nothing elsewhere).
    public static func releaseFreePages() { ck_heap_release_free_pages() }
}
