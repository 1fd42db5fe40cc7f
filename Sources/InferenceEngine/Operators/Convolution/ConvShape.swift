/// The shapes of one Conv-family node (X [N, C, spatial...], W [M, C/group, kernel...]) checked
/// against each other and resolved into a sliding window.
struct ConvShape {
    let batch: Int
    let channels: Int
    let outputChannels: Int
    let group: Int
    /// The window over one image, 1-D promoted to 2-D.
    let window: SlidingWindow
    let outputShape: [Int]

    var channelsPerGroup: Int { channels / group }
    var outputsPerGroup: Int { outputChannels / group }

    init(x: [Int], w: [Int], group: Int, attributes: WindowAttributes) throws {
        guard x.count >= 3, w.count == x.count else {
            throw OperatorFailure("X \(x) and W \(w) must have the same rank, at least 3")
        }
        guard group >= 1, x[1] % group == 0, w[1] * group == x[1], w[0] % group == 0 else {
            throw OperatorFailure("X \(x) and W \(w) do not fit group=\(group): W must be [M, C/group, ...] with M divisible by group")
        }
        let kernel = Array(w[2...])
        if let declared = attributes.kernelShape, declared != kernel {
            throw OperatorFailure("kernel_shape \(declared) disagrees with W \(w)")
        }
        let window = try attributes.window(input: Array(x[2...]), kernel: kernel)
        batch = x[0]
        channels = x[1]
        outputChannels = w[0]
        self.group = group
        self.window = window.promotedTo2D
        outputShape = [x[0], w[0]] + window.positions
    }

    /// Checks an optional bias holds one value per output channel.
    func checkBias(_ bias: Tensor?) throws {
        if let bias, bias.rank != 1 || bias.count != outputChannels {
            throw OperatorFailure("bias of shape \(bias.shape) must be [\(outputChannels)]")
        }
    }
}
