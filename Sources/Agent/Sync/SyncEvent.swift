/// The kinds of event the agent reports (`DeviceEvent.kind`).
enum SyncEvent: String, Sendable {
    /// An install finished, live or failed.
    case install
    /// The manifest was refused (untrusted, substituted, a downgrade) before any download.
    case rejected
    /// The version waits: a deferral rule objected, or it does not fit on disk yet.
    case deferred
    /// An operator rolled the live version back on the device.
    case rollback
    /// A trust document from the registry was refused (bad signature, another root, a rollback).
    case trust
}
