/// Observes the range of intermediate values by running the float model on calibration samples.
///
/// The values are made outputs of a copy of the model (an output that names a value and declares nothing else),
/// so the engine computes exactly what it computes in a normal run; graph inputs are read from the samples.
enum Calibration {
    static func ranges(of names: Set<String>, in graph: EditableGraph, samples: [[String: Tensor]]) throws -> [String: ValueRange] {
        var ranges: [String: ValueRange] = [:]
        let inputs = Set(graph.inputs.map(\.name))
        let declared = Set(graph.outputs.map(\.name))
        var probe = graph
        for name in names.sorted() where !inputs.contains(name) && !declared.contains(name) {
            probe.outputs.append(EditableGraph.Entry(valueNamed: name))
        }
        let session = InferenceSession(try Model(bytes: probe.serialized()))
        for sample in samples {
            for (name, tensor) in sample where names.contains(name) { ranges[name, default: ValueRange()].include(tensor) }
            for (name, tensor) in try session.run(sample) where names.contains(name) {
                ranges[name, default: ValueRange()].include(tensor)
            }
        }
        return ranges
    }
}
