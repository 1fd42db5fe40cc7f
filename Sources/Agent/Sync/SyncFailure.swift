/// Why one model's sync did not get its version live; recorded in the journal and reported as an event.
///
/// Distinct from a thrown error: a `SyncFailure` ends this model's sync and the cycle goes on with the
/// next model, while a thrown error (a journal that cannot be written) stops the cycle.
struct SyncFailure: Error, CustomStringConvertible, Sendable {
    var description: String
    /// The event kind the registry files it under.
    var event: SyncEvent
    /// Set when the version ran its self-test and failed it: that manifest is not tried again.
    var failedSelfTest = false
}
