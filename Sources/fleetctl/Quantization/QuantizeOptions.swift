import ArgumentParser
import InferenceEngine

/// `--calibration DIR`, `--max-quant-error E`, `--keep-float NODES`: how `fleetctl push --quantize int8` makes a
/// quantized variant beside the one it pushes, and `fleetctl quantize` makes one locally.
struct QuantizeOptions: ParsableArguments {
    @Option(
        help:
            "Folder of sample inputs for calibration and the error check: input_N.pb files, or one folder of them per sample. Default: the --self-test inputs.")
    var calibration: String?
    @Option(
        help: ArgumentHelp(
            "Largest deviation from float accepted for every output.",
            discussion:
                "Float outputs are measured by relative RMS error (default 0.05), integer and boolean outputs by the share of elements that differ (default 0.02)."
        ))
    var maxQuantError: Double?
    @Option(help: "Nodes to leave in float, by name (as `fleetctl quantize --verbose` lists them), comma-separated.")
    var keepFloat: String?

    var keptFloat: Set<String> { Set((keepFloat ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }) }

    func validate() throws {
        if let maxQuantError, !(maxQuantError.isFinite && maxQuantError >= 0) {
            throw ValidationError("--max-quant-error must be a number >= 0")
        }
    }

    /// The samples: `--calibration`, else the self-test folder's inputs, else none.
    func samples(selfTest: String?, model: Model) throws -> [[String: Tensor]] {
        guard let folder = calibration ?? selfTest else { return [] }
        return try CalibrationSamples.load(folder: folder, for: model)
    }
}
