extension Manifest {
    /// How a variant was made from another by quantization at push, and how far its answers are from that
    /// variant's on the samples the push ran: signed with the manifest, so what the publisher measured travels
    /// with the model to the registry, the dashboard and the devices.
    public struct Quantization: Codable, Equatable, Sendable {
        /// `int8`.
        public var scheme: String
        /// The variant it was made from (`fp32`) and that model file's SHA-256.
        public var sourceVariant: String
        public var sourceDigest: Digest
        /// Nodes rewritten to integer arithmetic, and those left in float.
        public var quantizedNodes: Int
        public var floatNodes: Int
        /// Input samples both variants ran on to measure `deviations`.
        public var samples: Int
        public var deviations: [Deviation]

        public init(
            scheme: String, sourceVariant: String, sourceDigest: Digest, quantizedNodes: Int, floatNodes: Int, samples: Int, deviations: [Deviation]
        ) {
            self.scheme = scheme
            self.sourceVariant = sourceVariant
            self.sourceDigest = sourceDigest
            self.quantizedNodes = quantizedNodes
            self.floatNodes = floatNodes
            self.samples = samples
            self.deviations = deviations
        }

        /// One output's distance from the source variant's, and the most the push accepted.
        public struct Deviation: Codable, Equatable, Sendable {
            public var output: String
            /// `relative_rms` (float outputs) or `mismatched_fraction` (integer and boolean outputs).
            public var measure: String
            public var value: Double
            public var limit: Double

            public init(output: String, measure: String, value: Double, limit: Double) {
                self.output = output
                self.measure = measure
                self.value = value
                self.limit = limit
            }
        }

        /// The largest deviation as a share of its limit: above 1 the variant should not have been published.
        public var worst: Deviation? { deviations.max { $0.value / max($0.limit, .leastNonzeroMagnitude) < $1.value / max($1.limit, .leastNonzeroMagnitude) } }
    }
}
