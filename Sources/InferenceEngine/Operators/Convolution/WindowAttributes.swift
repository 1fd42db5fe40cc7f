/// How a sliding-window operator pads its input when `pads` is not given explicitly.
enum AutoPad: String, Sendable {
    case notSet = "NOTSET"
    case sameUpper = "SAME_UPPER"
    case sameLower = "SAME_LOWER"
    case valid = "VALID"
}

/// The sliding-window attributes shared by Conv, ConvTranspose and the pools, validated once at
/// load. Values are bounded so the window arithmetic below cannot overflow on any real input.
struct WindowAttributes: Sendable {
    let autoPad: AutoPad
    let kernelShape: [Int]?
    let strides: [Int]?
    let dilations: [Int]?
    /// Begin pads of every spatial axis, then end pads.
    let pads: [Int]?

    static let limit = Int(Int32.max)

    init(_ context: OperatorBuildContext, requireKernelShape: Bool = false) throws {
        let attributes = context.attributes
        let padMode = try attributes.string("auto_pad", default: "NOTSET")
        guard let mode = AutoPad(rawValue: padMode) else { throw context.invalid("unknown auto_pad '\(padMode)'") }
        autoPad = mode
        kernelShape = try attributes.ints("kernel_shape")
        strides = try attributes.ints("strides")
        dilations = try attributes.ints("dilations")
        pads = try attributes.ints("pads")
        if requireKernelShape && kernelShape == nil { throw context.invalid("kernel_shape is required") }
        for (name, values, minimum) in [
            ("kernel_shape", kernelShape, 1), ("strides", strides, 1),
            ("dilations", dilations, 1), ("pads", pads, 0)
        ] {
            guard let values else { continue }
            guard values.allSatisfy({ $0 >= minimum && $0 <= Self.limit }) else {
                throw context.invalid("\(name) \(values) must hold values in \(minimum)...\(Self.limit)")
            }
        }
        let ranks = [kernelShape?.count, strides?.count, dilations?.count, pads.map { $0.count / 2 }].compactMap { $0 }
        if let pads, pads.count % 2 != 0 { throw context.invalid("pads \(pads) must have two values per spatial axis") }
        if let first = ranks.first, !ranks.allSatisfy({ $0 == first }) {
            throw context.invalid("kernel_shape, strides, dilations and pads disagree on the number of spatial axes")
        }
    }

    /// Strides, dilations and explicit pads for `rank` spatial axes, defaults filled in.
    func resolved(rank: Int) throws -> (strides: [Int], dilations: [Int], padBegin: [Int], padEnd: [Int]) {
        let strides = self.strides ?? [Int](repeating: 1, count: rank)
        let dilations = self.dilations ?? [Int](repeating: 1, count: rank)
        let pads = self.pads ?? [Int](repeating: 0, count: 2 * rank)
        guard strides.count == rank, dilations.count == rank, pads.count == 2 * rank,
            kernelShape.map({ $0.count == rank }) ?? true
        else {
            throw OperatorFailure("window attributes do not match \(rank) spatial axes")
        }
        return (strides, dilations, Array(pads[..<rank]), Array(pads[rank...]))
    }

    /// The window of a forward (Conv, pooling) operator over an input of spatial size `input`.
    /// `ceilMode` lets a last partial window count, as long as it starts inside the input or
    /// its begin padding.
    func window(input: [Int], kernel: [Int], ceilMode: Bool = false) throws -> SlidingWindow {
        let rank = input.count
        let (strides, dilations, explicitBegin, explicitEnd) = try resolved(rank: rank)
        var padBegin = explicitBegin
        var padEnd = explicitEnd
        guard kernel.count == rank, kernel.allSatisfy({ $0 >= 1 && $0 <= Self.limit }) else {
            throw OperatorFailure("kernel \(kernel) does not fit \(rank) spatial axes")
        }
        var output = [Int](repeating: 0, count: rank)
        for axis in 0..<rank {
            let extent = (kernel[axis] - 1) * dilations[axis] + 1
            let stride = strides[axis]
            switch autoPad {
            case .sameUpper, .sameLower:
                output[axis] = (input[axis] + stride - 1) / stride
                let total = max(0, (output[axis] - 1) * stride + extent - input[axis])
                padBegin[axis] = autoPad == .sameUpper ? total / 2 : total - total / 2
                padEnd[axis] = total - padBegin[axis]
                continue
            case .valid:
                padBegin[axis] = 0
                padEnd[axis] = 0
            case .notSet:
                break
            }
            let span = input[axis] + padBegin[axis] + padEnd[axis] - extent
            guard span >= 0 else {
                throw OperatorFailure(
                    "input size \(input[axis]) (padded by \(padBegin[axis])+\(padEnd[axis])) is smaller than the kernel extent \(extent) on spatial axis \(axis)"
                )
            }
            if ceilMode {
                var count = (span + stride - 1) / stride + 1
                if (count - 1) * stride >= input[axis] + padBegin[axis] { count -= 1 }
                output[axis] = count
            } else {
                output[axis] = span / stride + 1
            }
        }
        return SlidingWindow(
            image: input, kernel: kernel, strides: strides, dilations: dilations,
            padBegin: padBegin, padEnd: padEnd, positions: output)
    }
}

/// A resolved window over one spatial image: `positions` kernel placements per axis, placement
/// `o` covering image coordinates `o * stride - padBegin + j * dilation` for `j < kernel`.
/// For Conv and pooling the image is the input and the positions the output; ConvTranspose
/// uses the same window the other way round.
struct SlidingWindow: Equatable {
    var image: [Int]
    var kernel: [Int]
    var strides: [Int]
    var dilations: [Int]
    var padBegin: [Int]
    var padEnd: [Int]
    var positions: [Int]

    var rank: Int { image.count }
    var imageSize: Int { image.reduce(1, *) }
    var kernelSize: Int { kernel.reduce(1, *) }
    var positionCount: Int { positions.reduce(1, *) }

    /// Whether every placement reads exactly one pixel at its own position (a 1x1, stride-1,
    /// unpadded kernel), so the image already is its own im2col matrix.
    var isPointwise: Bool {
        kernel.allSatisfy { $0 == 1 } && strides.allSatisfy { $0 == 1 }
            && padBegin.allSatisfy { $0 == 0 } && image == positions
    }

    /// The same window without the spatial axes that do nothing (image, kernel and placements of 1, no padding), or
    /// the last axis if every one is such. im2col's rows and columns are the same either way, but its runs follow
    /// the last axis: a [H, 1] image with a [k, 1] kernel (a 1-D convolution written in 2-D) would otherwise be
    /// gathered one element per run.
    var withoutUnitAxes: SlidingWindow {
        let kept = (0..<rank).filter { axis in
            !(image[axis] == 1 && kernel[axis] == 1 && positions[axis] == 1 && padBegin[axis] == 0 && padEnd[axis] == 0)
        }
        guard kept.count < rank else { return self }
        let axes = kept.isEmpty ? [rank - 1] : kept
        return SlidingWindow(
            image: axes.map { image[$0] }, kernel: axes.map { kernel[$0] }, strides: axes.map { strides[$0] },
            dilations: axes.map { dilations[$0] }, padBegin: axes.map { padBegin[$0] }, padEnd: axes.map { padEnd[$0] },
            positions: axes.map { positions[$0] })
    }

    /// The same window with a leading unit axis when it has one spatial axis, so 1-D operators
    /// run through the 2-D kernels.
    var promotedTo2D: SlidingWindow {
        guard rank == 1 else { return self }
        return SlidingWindow(
            image: [1] + image, kernel: [1] + kernel, strides: [1] + strides,
            dilations: [1] + dilations, padBegin: [0] + padBegin, padEnd: [0] + padEnd,
            positions: [1] + positions)
    }
}
