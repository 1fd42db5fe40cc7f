/// Assignments on the wire (`/v1/assignments`): which model devices matching a label selector run.

/// `PUT /v1/assignments` body.
public struct AssignmentRequest: Codable, Equatable, Sendable {
    public var model: String
    /// Label selector text (`k=v,k2=v2`); empty matches every device. The registry checks its syntax.
    public var selector: String
    /// Pins a version; nil follows the latest.
    public var version: SemanticVersion?
    /// Pins a variant; nil lets the registry pick one per device.
    public var variant: String?

    public init(model: String, selector: String, version: SemanticVersion? = nil, variant: String? = nil) {
        self.model = model
        self.selector = selector
        self.version = version
        self.variant = variant
    }
}

/// A stored assignment: the `PUT /v1/assignments` answer and a row of `GET /v1/assignments`.
public struct Assignment: Codable, Equatable, Sendable {
    public var model: String
    /// The selector in its one spelling: pairs sorted by key.
    public var selector: String
    public var version: SemanticVersion?
    public var variant: String?
    public var updatedAt: Timestamp

    public init(model: String, selector: String, version: SemanticVersion?, variant: String?, updatedAt: Timestamp) {
        self.model = model
        self.selector = selector
        self.version = version
        self.variant = variant
        self.updatedAt = updatedAt
    }
}

/// `GET /v1/assignments` answer.
public struct AssignmentList: Codable, Equatable, Sendable {
    public var assignments: [Assignment]

    public init(assignments: [Assignment]) {
        self.assignments = assignments
    }
}
