public import FleetCore

/// `/v1/devices/…` as devices use it: enrollment, check-ins and events, each with the device's own token.
extension RegistryClient {
    public func enroll(_ profile: DeviceProfile) async throws -> EnrollmentResponse {
        try await call("POST", "/v1/devices/enroll", body: json(profile), expected: 201, answer: EnrollmentResponse.self).value
    }

    public func checkin(deviceID: String, _ report: CheckinRequest) async throws -> CheckinResponse {
        try await call("POST", "/v1/devices/\(deviceID)/checkin", body: json(report), answer: CheckinResponse.self).value
    }

    /// Returns how many events the registry stored.
    @discardableResult
    public func report(deviceID: String, _ batch: EventBatch) async throws -> Int {
        try await call("POST", "/v1/devices/\(deviceID)/events", body: json(batch), expected: 202, answer: EventsAccepted.self).value.accepted
    }
}
