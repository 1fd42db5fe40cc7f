import CKernels
import FleetCore
import InferenceEngine
import Testing

/// The int8 GEMM (CKernels `ck_igemm_*`), every kernel this CPU runs, against a plain loop in Int64
/// truncated to int32; and the integer operators that use it, end to end, against plain loops here.
@Suite struct IntegerKernelTests {
    static let kernelNames: [String] = ["avx512vnni", "avx512bw", "avx2", "portable"].filter { (name: String) in ck_igemm_kernel_named(name) != nil }

    struct Product {
        var m: Int, n: Int, k: Int
        var aSigned: Bool, bSigned: Bool
        var a: [UInt8], b: [UInt8]
        /// Zero points: empty (none), one, or one per row of A / column of B.
        var za: [UInt8], zb: [UInt8]
        var lda: Int, ldb: Int

        func value(_ byte: UInt8, signed: Bool) -> Int64 { signed ? Int64(Int8(bitPattern: byte)) : Int64(byte) }

        /// sum_p (A[i,p] - za_i) (B[p,j] - zb_j), wrapped to int32.
        func reference(_ i: Int, _ j: Int) -> Int32 {
            let zai = za.isEmpty ? 0 : value(za[za.count == 1 ? 0 : i], signed: aSigned)
            let zbj = zb.isEmpty ? 0 : value(zb[zb.count == 1 ? 0 : j], signed: bSigned)
            var sum: Int64 = 0
            for p in 0..<k { sum += (value(a[i * lda + p], signed: aSigned) - zai) * (value(b[p * ldb + j], signed: bSigned) - zbj) }
            return Int32(truncatingIfNeeded: sum)
        }
    }

    /// Runs the C kernel on `product` (C prefilled with `initial` when accumulating); returns C (ldc = n + 2).
    static func run(_ name: String, _ product: Product, accumulate: Bool, initial: [Int32]) -> [Int32] {
        let kernel = ck_igemm_kernel_named(name)!
        var packedA: Int32 = 0
        var packedB: Int32 = 0
        ck_igemm_packed_signedness(kernel, product.aSigned ? 1 : 0, product.bSigned ? 1 : 0, &packedA, &packedB)
        let bytesA = ck_igemm_packed_bytes(kernel, Int32(CK_IGEMM_A), product.m, product.k)
        let bytesB = ck_igemm_packed_bytes(kernel, Int32(CK_IGEMM_B), product.n, product.k)
        let pa = UnsafeMutableRawPointer.allocate(byteCount: bytesA, alignment: 64)
        let pb = UnsafeMutableRawPointer.allocate(byteCount: bytesB, alignment: 64)
        defer {
            pa.deallocate()
            pb.deallocate()
        }
        product.a.withUnsafeBytes { a in
            product.za.withUnsafeBytes { za in
                ck_igemm_pack(
                    kernel, Int32(CK_IGEMM_A), product.m, product.k, a.baseAddress, product.lda, product.aSigned ? 1 : 0,
                    product.za.isEmpty ? nil : za.baseAddress, product.za.count, packedA, pa)
            }
        }
        product.b.withUnsafeBytes { b in
            product.zb.withUnsafeBytes { zb in
                ck_igemm_pack(
                    kernel, Int32(CK_IGEMM_B), product.n, product.k, b.baseAddress, product.ldb, product.bSigned ? 1 : 0,
                    product.zb.isEmpty ? nil : zb.baseAddress, product.zb.count, packedB, pb)
            }
        }
        var c = initial
        let ldc = product.n + 2
        let status = c.withUnsafeMutableBufferPointer { c in
            ck_igemm_compute(kernel, pa, pb, 0, product.m, 0, product.n, c.baseAddress, ldc, accumulate ? 1 : 0)
        }
        #expect(status == 0)
        return c
    }

    static func randomProduct(
        _ random: inout SeededRandom, m: Int, n: Int, k: Int, aSigned: Bool, bSigned: Bool,
        extreme: Bool
    ) -> Product {
        func byte(_ signed: Bool) -> UInt8 {
            guard extreme else { return UInt8(truncatingIfNeeded: random.next()) }
            // The ends of the range: 0 / 255 for uint8, -128 / 127 for int8.
            let high = random.next() & 1 == 1
            return signed ? (high ? 0x7f : 0x80) : (high ? 0xff : 0)
        }
        let lda = k + Int(random.next() % 3)
        let ldb = n + Int(random.next() % 3)
        let zeroCounts = [0, 1, -1]
        func zeros(_ rows: Int, _ signed: Bool) -> [UInt8] {
            let choice = zeroCounts[Int(random.next() % 3)]
            return (0..<(choice == -1 ? rows : choice)).map { _ in byte(signed) }
        }
        return Product(
            m: m, n: n, k: k, aSigned: aSigned, bSigned: bSigned,
            a: (0..<m * lda).map { _ in byte(aSigned) }, b: (0..<k * ldb).map { _ in byte(bSigned) },
            za: zeros(m, aSigned), zb: zeros(n, bSigned), lda: lda, ldb: ldb)
    }

    static func check(_ name: String, _ product: Product, random: inout SeededRandom) {
        let ldc = product.n + 2
        let initial = (0..<product.m * ldc).map { _ in Int32(truncatingIfNeeded: random.next()) }
        for accumulate in [false, true] {
            let c = run(name, product, accumulate: accumulate, initial: initial)
            var mismatches = 0
            for i in 0..<product.m {
                for j in 0..<product.n {
                    let expected = accumulate ? initial[i * ldc + j] &+ product.reference(i, j) : product.reference(i, j)
                    if c[i * ldc + j] != expected { mismatches += 1 }
                }
                // Padding between rows of C is never written.
                for j in product.n..<ldc where c[i * ldc + j] != initial[i * ldc + j] { mismatches += 1 }
            }
            #expect(
                mismatches == 0,
                "\(name) m\(product.m) n\(product.n) k\(product.k) a\(product.aSigned ? "s8" : "u8") b\(product.bSigned ? "s8" : "u8") za\(product.za.count) zb\(product.zb.count) accumulate \(accumulate): \(mismatches) wrong"
            )
        }
    }

    @Test(arguments: kernelNames)
    func kernelMatchesPlainLoops(_ name: String) {
        var random = SeededRandom(seed: 21)
        // Shapes around the tiles (mr 6/8, nr 8/16/32, k groups of 2/4): ragged edges, k = 1, one row or column.
        let shapes = [
            (1, 1, 1), (8, 32, 4), (9, 33, 5), (7, 31, 3), (3, 70, 1), (17, 5, 2), (40, 65, 300), (1, 100, 57),
            (64, 1, 64), (16, 96, 1030), (13, 48, 7)
        ]
        for (index, (m, n, k)) in shapes.enumerated() {
            for aSigned in [false, true] {
                for bSigned in [false, true] {
                    let product = Self.randomProduct(
                        &random, m: m, n: n, k: k, aSigned: aSigned, bSigned: bSigned,
                        extreme: index % 3 == 1)
                    Self.check(name, product, random: &random)
                }
            }
        }
    }

    /// Sums that leave int32: (255 - 0) * (0 - 255) summed 40000 times wraps, and must wrap as int32 does.
    @Test(arguments: kernelNames)
    func kernelWrapsLikeInt32(_ name: String) {
        var random = SeededRandom(seed: 5)
        let (m, n, k) = (3, 35, 40_000)
        for (aSigned, bSigned) in [(false, false), (true, true), (false, true), (true, false)] {
            let high: UInt8 = aSigned ? 0x7f : 0xff
            let low: UInt8 = bSigned ? 0x80 : 0
            var product = Product(
                m: m, n: n, k: k, aSigned: aSigned, bSigned: bSigned, a: [UInt8](repeating: high, count: m * k),
                b: [UInt8](repeating: low, count: k * n), za: [aSigned ? 0x80 : 0], zb: [bSigned ? 0x7f : 0xff],
                lda: k, ldb: n)
            product.a[k + 7] = aSigned ? 0x80 : 0  // one value off the extreme, so rows differ
            let expected = product.reference(0, 0)
            #expect(
                Int64(expected) != Int64(k) * Int64(product.value(high, signed: aSigned) - product.value(product.za[0], signed: aSigned))
                    * Int64(product.value(low, signed: bSigned) - product.value(product.zb[0], signed: bSigned)), "the sum should leave int32")
            Self.check(name, product, random: &random)
        }
    }

    // MARK: - Operators end to end

    static func bytes(_ random: inout SeededRandom, _ count: Int) -> [UInt8] { (0..<count).map { _ in UInt8(truncatingIfNeeded: random.next()) } }
    static func value(_ byte: UInt8, _ signed: Bool) -> Int { signed ? Int(Int8(bitPattern: byte)) : Int(byte) }

    /// round_half_even(acc * multiplier + zero), saturated: the ONNX reference's requantization.
    static func requantize(_ acc: Int, _ multiplier: Double, zero: Int, signed: Bool) -> Int {
        let rounded = (Double(acc) * multiplier + Double(zero)).rounded(.toNearestOrEven)
        return Int(min(max(rounded, signed ? -128 : 0), signed ? 127 : 255))
    }

    static func output(_ tensor: Tensor) -> [Int] { tensor.doubleValues().map { Int($0) } }

    struct ConvCase: CustomStringConvertible {
        var channels: Int, outputs: Int, group: Int, size: (Int, Int), kernel: (Int, Int)
        var strides = [1, 1], pads = [0, 0, 0, 0]
        var xSigned = false, wSigned = true, perChannel = true
        var description: String {
            "C\(channels)->\(outputs) g\(group) \(size) k\(kernel) s\(strides) p\(pads) x\(xSigned ? "s8" : "u8") w\(wSigned ? "s8" : "u8")"
        }
    }

    static let convCases: [ConvCase] = [
        ConvCase(channels: 16, outputs: 24, group: 1, size: (19, 23), kernel: (3, 3), pads: [1, 1, 1, 1]),
        ConvCase(
            channels: 12, outputs: 10, group: 2, size: (17, 15), kernel: (3, 3), strides: [2, 2], pads: [1, 0, 1, 1],
            xSigned: true, wSigned: false),
        ConvCase(channels: 40, outputs: 33, group: 1, size: (20, 21), kernel: (1, 1), xSigned: true, wSigned: true, perChannel: false),
        ConvCase(channels: 8, outputs: 8, group: 8, size: (13, 11), kernel: (3, 3), pads: [1, 1, 1, 1], wSigned: false),
        ConvCase(channels: 64, outputs: 64, group: 1, size: (40, 40), kernel: (3, 3), pads: [1, 1, 1, 1])
    ]

    /// QLinearConv (and ConvInteger on the same data) against a direct loop, 1 and 2 threads.
    @Test(arguments: convCases)
    func quantizedConvolutionMatchesPlainLoops(_ conv: ConvCase) throws {
        var random = SeededRandom(seed: UInt64(conv.channels * 31 + conv.outputs))
        let (height, width) = conv.size
        let (kh, kw) = conv.kernel
        let cg = conv.channels / conv.group
        let mg = conv.outputs / conv.group
        let x = Self.bytes(&random, conv.channels * height * width)
        let w = Self.bytes(&random, conv.outputs * cg * kh * kw)
        let xZero = Self.bytes(&random, 1)
        let wZero = Self.bytes(&random, conv.perChannel ? conv.outputs : 1)
        let bias = (0..<conv.outputs).map { _ in Int32(truncatingIfNeeded: random.next() % 20001) - 10000 }
        let xScale: Float = 0.02
        let wScales = (0..<(conv.perChannel ? conv.outputs : 1)).map { _ in Float(0.001 + Double(random.next() % 100) / 20000) }
        let yScale: Float = 0.05
        let yZero: UInt8 = conv.xSigned ? 0xfb : 131
        let outHeight = (height + conv.pads[0] + conv.pads[2] - kh) / conv.strides[0] + 1
        let outWidth = (width + conv.pads[1] + conv.pads[3] - kw) / conv.strides[1] + 1
        var accumulators = [Int](repeating: 0, count: conv.outputs * outHeight * outWidth)
        for m in 0..<conv.outputs {
            let g = m / mg
            let zw = Self.value(wZero[conv.perChannel ? m : 0], conv.wSigned)
            let zx = Self.value(xZero[0], conv.xSigned)
            for oy in 0..<outHeight {
                for ox in 0..<outWidth {
                    var sum = 0
                    for c in 0..<cg {
                        for ky in 0..<kh {
                            let iy = oy * conv.strides[0] - conv.pads[0] + ky
                            guard iy >= 0, iy < height else { continue }
                            for kx in 0..<kw {
                                let ix = ox * conv.strides[1] - conv.pads[1] + kx
                                guard ix >= 0, ix < width else { continue }
                                sum +=
                                    (Self.value(x[((g * cg + c) * height + iy) * width + ix], conv.xSigned) - zx)
                                    * (Self.value(w[((m * cg + c) * kh + ky) * kw + kx], conv.wSigned) - zw)
                            }
                        }
                    }
                    accumulators[(m * outHeight + oy) * outWidth + ox] = sum
                }
            }
        }
        let positions = outHeight * outWidth
        let expectedQ = accumulators.enumerated().map { index, acc -> Int in
            let m = index / positions
            let multiplier = Double(xScale * wScales[conv.perChannel ? m : 0] / yScale)
            return Self.requantize(acc + Int(bias[m]), multiplier, zero: Self.value(yZero, conv.xSigned), signed: conv.xSigned)
        }
        let xType = conv.xSigned ? 3 : 2
        let wType = conv.wSigned ? 3 : 2
        let attributes: [(name: String, value: ONNXBuilder.Attribute)] = [
            ("group", .int(conv.group)), ("strides", .ints(conv.strides)), ("pads", .ints(conv.pads)), ("kernel_shape", .ints([kh, kw]))
        ]
        var builder = ONNXBuilder()
        builder.inputs = [.init(name: "x", elementType: xType, dims: [1, conv.channels, height, width])]
        builder.initializers = [
            .init(name: "w", dims: [conv.outputs, cg, kh, kw], dataType: wType, raw: w),
            .init(name: "xs", dims: [], raw: [xScale].rawBytes), .init(name: "xz", dims: [], dataType: xType, raw: xZero),
            .init(name: "ws", dims: conv.perChannel ? [conv.outputs] : [], raw: wScales.rawBytes),
            .init(name: "wz", dims: conv.perChannel ? [conv.outputs] : [], dataType: wType, raw: wZero),
            .init(name: "ys", dims: [], raw: [yScale].rawBytes), .init(name: "yz", dims: [], dataType: xType, raw: [yZero]),
            .init(name: "b", dims: [conv.outputs], dataType: 6, raw: bias.flatMap { v in (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } })
        ]
        builder.nodes = [
            .init(op: "QLinearConv", inputs: ["x", "xs", "xz", "w", "ws", "wz", "ys", "yz", "b"], outputs: ["y"], attributes: attributes),
            .init(op: "ConvInteger", inputs: ["x", "w", "xz", "wz"], outputs: ["acc"], attributes: attributes)
        ]
        builder.outputs = [.init(name: "y", dims: nil), .init(name: "acc", dims: nil)]
        let model = try Model(bytes: builder.bytes())
        let input = try Tensor(shape: [1, conv.channels, height, width], elementType: conv.xSigned ? .int8 : .uint8, littleEndianBytes: x)
        for threads in [1, 2] {
            let session = InferenceSession(model, SessionOptions(threads: threads))
            for _ in 0..<2 {  // the second run uses the weights packed by the first
                let outputs = try session.run(["x": input])
                let y = try #require(outputs["y"])
                let acc = try #require(outputs["acc"])
                #expect(Self.output(acc) == accumulators, "\(conv), \(threads) threads: ConvInteger")
                #expect(Self.output(y) == expectedQ, "\(conv), \(threads) threads: QLinearConv")
            }
        }
    }

    /// MatMulInteger with a batch of A, per-row and per-column zero points, constant and fed B; and
    /// QLinearMatMul with per-column scales. B fed as an input changes between runs and must never be
    /// served from a stale packing.
    @Test(arguments: [(false, true), (true, false), (false, false), (true, true)])
    func quantizedMatMulMatchesPlainLoops(_ signs: (Bool, Bool)) throws {
        let (aSigned, bSigned) = signs
        var random = SeededRandom(seed: aSigned ? 3 : 4)
        let (batch, m, k, n) = (3, 7, 45, 37)
        let aType = aSigned ? 3 : 2
        let bType = bSigned ? 3 : 2
        let a = Self.bytes(&random, batch * m * k)
        let weight = Self.bytes(&random, k * n)
        let aZero = Self.bytes(&random, m)
        let bZero = Self.bytes(&random, n)
        func reference(_ b: [UInt8]) -> [Int] {
            var c = [Int](repeating: 0, count: batch * m * n)
            for t in 0..<batch {
                for i in 0..<m {
                    for j in 0..<n {
                        var sum = 0
                        for p in 0..<k {
                            sum +=
                                (Self.value(a[(t * m + i) * k + p], aSigned) - Self.value(aZero[i], aSigned))
                                * (Self.value(b[p * n + j], bSigned) - Self.value(bZero[j], bSigned))
                        }
                        c[(t * m + i) * n + j] = sum
                    }
                }
            }
            return c
        }
        var builder = ONNXBuilder()
        builder.inputs = [.init(name: "a", elementType: aType, dims: [batch, m, k]), .init(name: "fed", elementType: bType, dims: [k, n])]
        builder.initializers = [
            .init(name: "w", dims: [k, n], dataType: bType, raw: weight),
            .init(name: "az", dims: [m], dataType: aType, raw: aZero), .init(name: "bz", dims: [n], dataType: bType, raw: bZero)
        ]
        builder.nodes = [
            .init(op: "MatMulInteger", inputs: ["a", "w", "az", "bz"], outputs: ["constant"]),
            .init(op: "MatMulInteger", inputs: ["a", "fed", "az", "bz"], outputs: ["variable"])
        ]
        builder.outputs = [.init(name: "constant", dims: nil), .init(name: "variable", dims: nil)]
        let model = try Model(bytes: builder.bytes())
        let aTensor = try Tensor(shape: [batch, m, k], elementType: aSigned ? .int8 : .uint8, littleEndianBytes: a)
        let expectedConstant = reference(weight)
        for threads in [1, 2] {
            let session = InferenceSession(model, SessionOptions(threads: threads))
            for round in 0..<3 {
                let fed = Self.bytes(&random, k * n)
                let outputs = try session.run(["a": aTensor, "fed": Tensor(shape: [k, n], elementType: bSigned ? .int8 : .uint8, littleEndianBytes: fed)])
                #expect(Self.output(try #require(outputs["constant"])) == expectedConstant, "\(signs) \(threads) threads round \(round)")
                #expect(Self.output(try #require(outputs["variable"])) == reference(fed), "\(signs) \(threads) threads round \(round): fed B")
            }
        }

        // QLinearMatMul on one batch of A: scalar a zero point, per-column b zero points and scales.
        let aScale: Float = 0.03
        let bScales = (0..<n).map { _ in Float(0.002 + Double(random.next() % 50) / 10000) }
        let yScale: Float = 0.4
        let yZero: UInt8 = aSigned ? 0x05 : 120
        let a2 = Array(a[0..<m * k])
        var qlinear = ONNXBuilder()
        qlinear.inputs = [.init(name: "a", elementType: aType, dims: [m, k])]
        qlinear.initializers = [
            .init(name: "as", dims: [], raw: [aScale].rawBytes), .init(name: "az", dims: [], dataType: aType, raw: [aZero[0]]),
            .init(name: "w", dims: [k, n], dataType: bType, raw: weight),
            .init(name: "bs", dims: [n], raw: bScales.rawBytes), .init(name: "bz", dims: [n], dataType: bType, raw: bZero),
            .init(name: "ys", dims: [], raw: [yScale].rawBytes), .init(name: "yz", dims: [], dataType: aType, raw: [yZero])
        ]
        qlinear.nodes = [.init(op: "QLinearMatMul", inputs: ["a", "as", "az", "w", "bs", "bz", "ys", "yz"], outputs: ["y"])]
        qlinear.outputs = [.init(name: "y", dims: nil)]
        var expected: [Int] = []
        for i in 0..<m {
            for j in 0..<n {
                var sum = 0
                for p in 0..<k {
                    sum +=
                        (Self.value(a2[i * k + p], aSigned) - Self.value(aZero[0], aSigned))
                        * (Self.value(weight[p * n + j], bSigned) - Self.value(bZero[j], bSigned))
                }
                expected.append(Self.requantize(sum, Double(aScale * bScales[j] / yScale), zero: Self.value(yZero, aSigned), signed: aSigned))
            }
        }
        let y = try #require(
            try InferenceSession(try Model(bytes: qlinear.bytes()), SessionOptions(threads: 2))
                .run(["a": Tensor(shape: [m, k], elementType: aSigned ? .int8 : .uint8, littleEndianBytes: a2)])["y"])
        #expect(Self.output(y) == expected, "QLinearMatMul \(signs)")
    }

    @Test func engineReportsTheIntegerKernel() {
        #expect(Self.kernelNames.contains(EngineKernels.integerGemm))
        #expect(EngineKernels.integerGemm == String(cString: ck_igemm_kernel().pointee.name))
    }
}
