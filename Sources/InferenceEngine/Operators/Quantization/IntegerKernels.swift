import CKernels

/// The fast paths of the integer operators: uint8/int8 operands go straight into the packed integer
/// GEMM (`IntegerGemm`), zero points and all, instead of being widened to int32 tensors. Each entry
/// returns nil for a layout it does not cover (zero points along other axes), and the operator then
/// takes the general path in `IntegerProducts`.
enum IntegerKernels {
    /// Zero points the GEMM takes: none (0), one for all (1), or one per row/column (`slices`).
    /// Their bytes, or nil when the layout is something else.
    static func zeroPointBytes(_ zeroPoint: Tensor?, type: ElementType, slices: Int?) -> [UInt8]? {
        guard let zeroPoint else { return [] }
        guard zeroPoint.elementType == type else { return nil }
        let bytes = Array(UnsafeBufferPointer(start: zeroPoint.pointer(as: UInt8.self), count: zeroPoint.count))
        if zeroPoint.count == 1 { return bytes }
        if let slices, zeroPoint.rank == 1, zeroPoint.count == slices { return bytes }
        return nil
    }

    static func isQuantized(_ tensor: Tensor) -> Bool { tensor.elementType == .uint8 || tensor.elementType == .int8 }

    /// MatMulInteger / QLinearMatMul without the requantization: the int32 product of zero-point
    /// corrected operands. `perRowA` says whether A's zero point may hold one value per row.
    static func matmul(
        _ a: Tensor, _ b: Tensor, aZero: Tensor?, bZero: Tensor?, perRowA: Bool, cache: PackedOperandCache,
        context: ExecutionContext
    ) throws -> Tensor? {
        guard isQuantized(a), isQuantized(b), let plan = try? MatMulPlan(a.shape, b.shape) else { return nil }
        let rowsPerBatch = a.rank >= 2 ? a.shape[a.rank - 2] : 1
        guard var aZeros = zeroPointBytes(aZero, type: a.elementType, slices: perRowA && a.rank >= 2 ? rowsPerBatch : nil),
            let bZeros = zeroPointBytes(bZero, type: b.elementType, slices: b.rank >= 2 ? plan.n : nil)
        else { return nil }
        let (m, n, k) = (plan.m, plan.n, plan.k)
        if aZeros.count > 1 && m != aZeros.count {
            // A batch folded into one tall product: the per-row zero points repeat per batch.
            aZeros = (0..<m).map { aZeros[$0 % aZeros.count] }
        }
        let kernel = IntegerGemmKernel.current
        let aSigned = a.elementType == .int8
        let bSigned = b.elementType == .int8
        let packed = kernel.packedSignedness(aSigned: aSigned, bSigned: bSigned)
        let output = try context.allocate(.int32, plan.outputShape, zeroed: false)
        let c = output.mutablePointer(as: Int32.self)
        let aBase = UnsafeRawPointer(a.pointer(as: UInt8.self))
        let bBase = UnsafeRawPointer(b.pointer(as: UInt8.self))
        aZeros.withUnsafeBytes { aZeroBytes in
            bZeros.withUnsafeBytes { bZeroBytes in
                let product = { (batch: Int, context: ExecutionContext?) in
                    let packedA = PackedIntegerMatrix(
                        kernel: kernel, side: .a, count: m, k: k, source: aBase + plan.aOffsets[batch],
                        ld: k, sourceSigned: aSigned, zeroPoints: aZeroBytes.baseAddress,
                        zeroPointCount: aZeros.count, packedSigned: packed.a)
                    let bOffset = plan.bOffsets[batch]
                    let detail = [bOffset, n, k, packed.b ? 1 : 0, kernel.nr] + bZeros.map { Int($0) }
                    let packedB = cache.packed(b, detail: detail) {
                        PackedIntegerMatrix(
                            kernel: kernel, side: .b, count: n, k: k, source: bBase + bOffset, ld: n,
                            sourceSigned: bSigned, zeroPoints: bZeroBytes.baseAddress,
                            zeroPointCount: bZeros.count, packedSigned: packed.b)
                    }
                    IntegerGemm.multiply(packedA, packedB, c: c + batch * m * n, ldc: n, accumulate: false, context: context)
                }
                if plan.batchCount > 1, context.threads > 1, m &* n &* k &* plan.batchCount >= IntegerGemm.parallelThreshold {
                    context.parallelFor(plan.batchCount) { product($0, nil) }
                } else {
                    for batch in 0..<plan.batchCount { product(batch, context) }
                }
            }
        }
        withExtendedLifetime((a, b)) {}
        return output
    }

    /// ConvInteger / QLinearConv without the requantization: im2col of the uint8/int8 input (padding
    /// reads x's zero point, so padded taps contribute nothing) and the integer GEMM against the
    /// packed weights, plus the int32 bias when given.
    static func convolve(
        _ x: Tensor, _ w: Tensor, xZero: Tensor?, wZero: Tensor?, bias: Tensor?, conv: ConvOperator,
        cache: PackedOperandCache, context: ExecutionContext
    ) throws -> Tensor? {
        guard isQuantized(x), isQuantized(w), x.rank >= 3, w.rank == x.rank else { return nil }
        guard let xZeros = zeroPointBytes(xZero, type: x.elementType, slices: nil),
            let wZeros = zeroPointBytes(wZero, type: w.elementType, slices: w.shape[0])
        else { return nil }
        let shape = try ConvShape(x: x.shape, w: w.shape, group: conv.group, attributes: conv.attributes)
        try shape.checkBias(bias)
        if let bias, bias.elementType != .int32 { throw OperatorFailure("bias must be int32, got \(bias.elementType)") }
        let output = try context.allocate(.int32, shape.outputShape, zeroed: false)
        let window = shape.window
        let positions = window.positionCount
        let imageSize = window.imageSize
        let cg = shape.channelsPerGroup
        let mg = shape.outputsPerGroup
        let depth = cg * window.kernelSize
        let y = output.mutablePointer(as: Int32.self)
        guard output.count > 0 else { return output }
        if let bias {
            let values = bias.pointer(as: Int32.self)
            for n in 0..<shape.batch {
                for channel in 0..<shape.outputChannels {
                    (y + (n * shape.outputChannels + channel) * positions).update(repeating: values[channel], count: positions)
                }
            }
        }
        let accumulate = bias != nil
        let kernel = IntegerGemmKernel.current
        let xSigned = x.elementType == .int8
        let wSigned = w.elementType == .int8
        // The weights are A (rows: output channels), the image columns B.
        let packed = kernel.packedSignedness(aSigned: wSigned, bSigned: xSigned)
        let pad = xZeros.first ?? 0
        let weights: [PackedIntegerMatrix] = wZeros.withUnsafeBytes { zeros in
            (0..<shape.group).map { g in
                let perRow = wZeros.count > 1
                let detail = [g, mg, depth, packed.a ? 1 : 0, kernel.mr] + wZeros.map { Int($0) }
                return cache.packed(w, detail: detail) {
                    PackedIntegerMatrix(
                        kernel: kernel, side: .a, count: mg, k: depth,
                        source: UnsafeRawPointer(w.pointer(as: UInt8.self)) + g * mg * depth, ld: depth,
                        sourceSigned: wSigned, zeroPoints: zeros.baseAddress.map { perRow ? $0 + g * mg : $0 },
                        zeroPointCount: perRow ? mg : wZeros.count, packedSigned: packed.a)
                }
            }
        }
        let pointwise = window.isPointwise
        let nr = kernel.nr
        let threads = context.threads
        let multiplyAdds = shape.batch * shape.outputChannels * positions * depth
        let parallel = threads > 1 && multiplyAdds >= IntegerGemm.parallelThreshold
        let groups = shape.batch * shape.group
        // Columns per slice: the gathered bytes stay within the budget (cache-sized), whole panels.
        let budget = context.efficiency ? 1 << 16 : 1 << 18
        var chunk = min(positions, max(nr, budget / max(depth, 1) / nr * nr))
        if parallel, groups < threads {
            chunk = min(chunk, max(nr, ((positions + threads - 1) / threads + nr - 1) / nr * nr))
        }
        let slicesPerGroup = (positions + chunk - 1) / chunk
        let items = groups * slicesPerGroup
        let image0 = x.pointer(as: UInt8.self)
        xZeros.withUnsafeBytes { xZeroBytes in
            let work = { (item: Int, context: ExecutionContext?) in
                let slice = item % slicesPerGroup
                let batchAndGroup = item / slicesPerGroup
                let n = batchAndGroup / shape.group
                let g = batchAndGroup % shape.group
                let image = image0 + (n * shape.channels + g * cg) * imageSize
                let out = y + (n * shape.outputChannels + g * mg) * positions
                let start = slice * chunk
                let count = min(chunk, positions - start)
                let columns: PackedIntegerMatrix
                if pointwise {
                    columns = PackedIntegerMatrix(
                        kernel: kernel, side: .b, count: count, k: depth, source: image + start, ld: imageSize,
                        sourceSigned: xSigned, zeroPoints: xZeroBytes.baseAddress,
                        zeroPointCount: xZeros.count, packedSigned: packed.b)
                } else {
                    columns = Scratch.with(UInt8.self, count: count * depth) { gathered in
                        Im2Col.gather(window, channels: cg, image: image, zero: pad, start: start, count: count, into: gathered)
                        return PackedIntegerMatrix(
                            kernel: kernel, side: .b, count: count, k: depth, source: gathered, ld: count,
                            sourceSigned: xSigned, zeroPoints: xZeroBytes.baseAddress,
                            zeroPointCount: xZeros.count, packedSigned: packed.b)
                    }
                }
                IntegerGemm.multiply(weights[g], columns, c: out + start, ldc: positions, accumulate: accumulate, context: context)
            }
            if parallel, items > 1 {
                context.parallelFor(items) { work($0, nil) }
            } else {
                for item in 0..<items { work(item, context) }
            }
        }
        withExtendedLifetime((x, w)) {}
        return output
    }

    /// `IntegerProducts.requantize` in the C kernel (same arithmetic, vectorized), for finite multipliers.
    static func requantize(
        _ accumulators: Tensor, multipliers: [Double], inner: Int, zeroPoint: Tensor?, type: ElementType,
        context: ExecutionContext
    ) throws -> Tensor? {
        let count = accumulators.count
        let channels = multipliers.count
        guard multipliers.allSatisfy({ $0.isFinite }), channels > 0, inner > 0, count % inner == 0,
            type == .uint8 || type == .int8
        else { return nil }
        let output = try context.allocate(type, accumulators.shape, zeroed: false)
        let zero = zeroPoint.map { Double($0.floatValues()[0]) } ?? 0
        let source = accumulators.pointer(as: Int32.self)
        let target = UnsafeMutableRawPointer(output.mutablePointer(as: UInt8.self))
        let signed: Int32 = type == .int8 ? 1 : 0
        multipliers.withUnsafeBufferPointer { scales in
            guard let scale = scales.baseAddress else { return }
            if channels == 1 {
                context.forEachRange(count) { range in
                    ck_requantize(source + range.lowerBound, 1, range.count, scale, 0, zero, signed, target + range.lowerBound)
                }
            } else if inner == 1, count % channels == 0 {
                ck_requantize(source, count / channels, channels, scale, 1, zero, signed, target)
            } else {
                for block in 0..<(count / max(inner, 1)) {
                    ck_requantize(source + block * inner, 1, inner, scale + block % channels, 0, zero, signed, target + block * inner)
                }
            }
        }
        withExtendedLifetime(accumulators) {}
        return output
    }
}
