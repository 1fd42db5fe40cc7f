/// A folder of backend test cases (like `onnx/backend/test/data/node`).
public enum BackendTestSuite {
    /// The test folders under `root`, sorted by name; `root` itself when it is one test folder.
    public static func cases(in root: String) -> [BackendTestCase] {
        if FileSystem.exists(root + "/model.onnx") { return [BackendTestCase(directory: root)] }
        return FileSystem.list(root)
            .filter { FileSystem.exists(root + "/" + $0 + "/model.onnx") }
            .map { BackendTestCase(directory: root + "/" + $0) }
    }
}
