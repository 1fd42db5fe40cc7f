// Runs ONNX backend test folders against the engine and prints one line per folder plus totals:
//   onnx-backend-test ../shared/corpus/onnx-node-tests [filter...]
// A folder is "unsupported" when the engine refuses it at load as using something it lacks.
import InferenceEngine

let arguments = Array(CommandLine.arguments.dropFirst())
guard let root = arguments.first else {
    print("usage: onnx-backend-test DIR [substring...]  (DIR holds test_* folders, or is one)")
    exit(2)
}
let filters = Array(arguments.dropFirst())
let verbose = filters.contains("-v")
let patterns = filters.filter { $0 != "-v" }
let cases = BackendTestSuite.cases(in: root).filter { test in patterns.isEmpty || patterns.contains { test.name.contains($0) } }
var passed = 0, failed = 0, unsupported = 0
for test in cases {
    switch test.run(rtol: 1e-3, atol: 1e-7) {
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
