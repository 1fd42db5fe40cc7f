// Runs ONNX backend test folders against the engine and prints one line per failure plus totals:
//   onnx-backend-test "$(scripts/fetch-test-corpus)/onnx-node-tests" [substring...] [-v] [--rtol X] [--atol Y]
// Tolerances default to the ONNX backend tests' (rtol 1e-3, atol 1e-7); the reference models use atol 1e-4.
// A folder is "unsupported" when the engine refuses it at load as using something it lacks.
import InferenceEngine

let arguments = Array(CommandLine.arguments.dropFirst())
guard let root = arguments.first else {
    print("usage: onnx-backend-test DIR [substring...]  (DIR holds test_* folders, or is one)")
    exit(2)
}
var rest = Array(arguments.dropFirst())
@MainActor func option(_ name: String, default value: Double) -> Double {
    guard let index = rest.firstIndex(of: name), index + 1 < rest.count, let parsed = Double(rest[index + 1]) else { return value }
    rest.removeSubrange(index...(index + 1))
    return parsed
}
let rtol = option("--rtol", default: 1e-3)
let atol = option("--atol", default: 1e-7)
let verbose = rest.contains("-v")
let patterns = rest.filter { $0 != "-v" }
let cases = BackendTestSuite.cases(in: root).filter { test in patterns.isEmpty || patterns.contains { test.name.contains($0) } }
var passed = 0
var failed = 0
var unsupported = 0
for test in cases {
    switch test.run(rtol: rtol, atol: atol) {
    case .passed(let error):
        passed += 1
        if verbose { print("PASS \(test.name) max|diff| \(error)") }
    case .unsupported(let reason):
        unsupported += 1
        if verbose { print("UNSUPPORTED \(test.name): \(reason)") }
    case .failed(let reason):
        failed += 1
        print("FAIL \(test.name): \(reason)")
    }
}
print("\(passed) passed, \(failed) failed, \(unsupported) unsupported (of \(cases.count))")
exit(failed == 0 ? 0 : 1)
