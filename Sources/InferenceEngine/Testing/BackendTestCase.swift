/// One ONNX backend test folder (`model.onnx` + `test_data_set_N/input_K.pb`, `output_K.pb`), the
/// layout of the ONNX node conformance tests and of our reference outputs. Public so the test
/// suite, the conformance tool and a device's self-check all judge the engine the same way.
public struct BackendTestCase: Sendable {
    public enum Outcome: Sendable, Equatable {
        case passed(maxAbsoluteError: Double)
        /// The engine refused the model as unsupported at load time.
        case unsupported(String)
        case failed(String)
    }

    public let directory: String
    public var name: String { String(directory.split(separator: "/").last ?? "") }

    public init(directory: String) { self.directory = directory }

    /// Loads, runs every data set and compares with the expected outputs:
    /// |actual - expected| <= atol + rtol * |expected|, integers and bools exactly, NaN equals NaN.
    public func run(rtol: Double = 1e-3, atol: Double = 1e-4) -> Outcome {
        let model: Model
        do {
            model = try Model(contentsOf: directory + "/model.onnx")
        } catch {
            return error.isUnsupported ? .unsupported(error.description) : .failed("load: \(error)")
        }
        let session = InferenceSession(model)
        var worst = 0.0
        var sets = 0
        while FileSystem.isDirectory(directory + "/test_data_set_\(sets)") {
            let folder = directory + "/test_data_set_\(sets)"
            sets += 1
            var inputs: [String: Tensor] = [:]
            do {
                for index in model.inputs.indices {
                    let path = folder + "/input_\(index).pb"
                    guard FileSystem.exists(path) else { break }
                    let (name, tensor) = try model.input(protobufFile: path, position: index)
                    inputs[name] = tensor
                }
            } catch {
                return error.isUnsupported ? .unsupported("input: \(error)") : .failed("input: \(error)")
            }
            let outputs: [Tensor]
            do {
                outputs = try session.runOrdered(inputs)
            } catch {
                return .failed("run: \(error)")
            }
            for (index, actual) in outputs.enumerated() {
                let path = folder + "/output_\(index).pb"
                guard FileSystem.exists(path) else { continue }
                let expected: Tensor
                do { expected = try Tensor.load(protobufFile: path).tensor } catch {
                    return error.isUnsupported ? .unsupported("output: \(error)") : .failed("output \(index): \(error)")
                }
                switch Self.compare(actual, expected, rtol: rtol, atol: atol) {
                case .success(let error): worst = max(worst, error)
                case .failure(let mismatch): return .failed("output \(index) (\(model.outputs[safe: index]?.name ?? "?")): \(mismatch.reason)")
                }
            }
        }
        if sets == 0 { return .failed("no test_data_set_0 in \(directory)") }
        return .passed(maxAbsoluteError: worst)
    }

    public struct Mismatch: Error { public let reason: String }

    /// Compares two tensors; on success returns the largest absolute difference.
    public static func compare(_ actual: Tensor, _ expected: Tensor, rtol: Double, atol: Double) -> Result<Double, Mismatch> {
        guard actual.elementType == expected.elementType else {
            return .failure(Mismatch(reason: "type \(actual.elementType), expected \(expected.elementType)"))
        }
        guard actual.shape == expected.shape else {
            return .failure(Mismatch(reason: "shape \(actual.shape), expected \(expected.shape)"))
        }
        let a = actual.doubleValues()
        let e = expected.doubleValues()
        let exact = !expected.elementType.isFloatingPoint
        var worst = 0.0
        for index in 0..<e.count {
            let x = a[index]
            let y = e[index]
            if x.isNaN && y.isNaN { continue }
            if x == y { continue }
            let difference = abs(x - y)
            if exact || !(difference <= atol + rtol * abs(y)) {
                return .failure(Mismatch(reason: "element \(index) is \(x), expected \(y) (|diff| \(difference))"))
            }
            worst = max(worst, difference)
        }
        return .success(worst)
    }
}

extension Array {
    subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
