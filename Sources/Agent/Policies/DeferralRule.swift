#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One reason a verified new version may have to wait (outside a download window, low battery, …).
///
/// A new rule is one conformer plus its setting in `SyncPolicy`; the sync engine only asks the policy's
/// rules in turn and defers on the first that objects. While a version waits, the live one keeps serving.
protocol DeferralRule: Sendable {
    /// Why the download and swap must wait at `now`, or nil if this rule lets them go ahead.
    func deferral(at now: time_t) -> Deferral?
}

/// Why a sync waits; reported to the registry and in the sync's outcome.
public struct Deferral: Sendable, Equatable, CustomStringConvertible {
    public var reason: String

    public var description: String { reason }
}
