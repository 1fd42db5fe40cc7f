extension Manifest {
    /// What a consumer needs to call the model without opening it: its inputs and outputs as the ONNX graph declares
    /// them (read by `fleetctl push`), and the publisher's description and license. Signed with the manifest.
    ///
    /// A class, so that a manifest held in an async frame grows by one reference, not by four optionals: the Swift 6.3
    /// hazard (docs/decisions.md) struck `ModelPublisher.push` when its frame grew.
    public final class ModelInfo: Codable, Equatable, Sendable {
        public let description: String?
        /// An SPDX identifier or a short text (`Apache-2.0`, `proprietary`).
        public let license: String?
        public let inputs: [Value]?
        public let outputs: [Value]?

        public init(description: String? = nil, license: String? = nil, inputs: [Value]? = nil, outputs: [Value]? = nil) {
            self.description = description
            self.license = license
            self.inputs = inputs
            self.outputs = outputs
        }

        public static func == (a: ModelInfo, b: ModelInfo) -> Bool {
            (a.description, a.license, a.inputs, a.outputs) == (b.description, b.license, b.inputs, b.outputs)
        }

        /// Nothing to say: no description, license or declared values.
        public var isEmpty: Bool { description == nil && license == nil && inputs == nil && outputs == nil }

        /// One graph input or output.
        public struct Value: Codable, Equatable, Sendable {
            public var name: String
            /// `float32`, `int64`, `uint8`, …; absent when the graph does not say.
            public var type: String?
            /// Absent when the rank is unknown.
            public var shape: [Dimension]?

            public init(name: String, type: String?, shape: [Dimension]?) {
                self.name = name
                self.type = type
                self.shape = shape
            }
        }

        /// A dimension: a number, or the symbolic name the graph gives it (`batch`), or `?` when it gives neither.
        public enum Dimension: Codable, Equatable, Sendable, CustomStringConvertible {
            case fixed(Int)
            case symbolic(String)

            public init(from decoder: any Decoder) throws {
                let container = try decoder.singleValueContainer()
                if let value = try? container.decode(Int.self) {
                    self = .fixed(value)
                } else {
                    self = .symbolic(try container.decode(String.self))
                }
            }

            public func encode(to encoder: any Encoder) throws {
                var container = encoder.singleValueContainer()
                switch self {
                case .fixed(let value): try container.encode(value)
                case .symbolic(let name): try container.encode(name)
                }
            }

            public var description: String {
                switch self {
                case .fixed(let value): "\(value)"
                case .symbolic(let name): name
                }
            }
        }
    }
}
