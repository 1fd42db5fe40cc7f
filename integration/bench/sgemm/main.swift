// SGEMM throughput of the engine's kernels, compiled by integration/bench/sgemm.py together with
// the engine's Sgemm.swift and the pre-CKernels Swift SIMD kernel (renamed SwiftSgemm).
//   sgemm-bench [--seconds S] [--kc N] [--mc N] [--nc N] M,K,N[,ldc] ...   (KERNELS=avx512,avx2 to pick)
//   sgemm-bench --check   (randomized correctness sweep of every kernel)
// For each shape prints one line: M K N and GFLOP/s per kernel (best of several timed batches),
// plus the largest relative difference from the Swift kernel's result.

import CKernels
#if canImport(Glibc)
import Glibc
#endif

/// CPU time of this thread: on a machine shared with other work, time the scheduler gives to
/// other processes would otherwise count against the kernel.
func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

var arguments = Array(CommandLine.arguments.dropFirst())
var seconds = 0.5
var checkOnly = false
var blocking: (kc: Int?, mc: Int?, nc: Int?) = (nil, nil, nil)
var shapes: [[Int]] = []
while let argument = arguments.first {
    arguments.removeFirst()
    switch argument {
    case "--check": checkOnly = true
    case "--seconds": seconds = Double(arguments.removeFirst())!
    case "--kc": blocking.kc = Int(arguments.removeFirst())!
    case "--mc": blocking.mc = Int(arguments.removeFirst())!
    case "--nc": blocking.nc = Int(arguments.removeFirst())!
    default: shapes.append(argument.split(separator: ",").map { Int($0)! })
    }
}

var generator = SystemRandomNumberGenerator()
func randomMatrix(_ count: Int) -> UnsafeMutablePointer<Float> {
    let p = UnsafeMutablePointer<Float>.allocate(capacity: count)
    for i in 0..<count { p[i] = Float.random(in: -1...1, using: &generator) }
    return p
}

/// GFLOP/s of `body` (one m x n x k product): the best of several batches, each at least
/// `seconds / 5` long, so a burst of load from other processes on the machine is discarded.
func gflops(_ m: Int, _ n: Int, _ k: Int, _ body: () -> Void) -> Double {
    body()
    var reps = 1
    while true {
        let start = now()
        for _ in 0..<reps { body() }
        if now() - start > seconds / 20 { break }
        reps *= 2
    }
    var best = Double.infinity
    for _ in 0..<5 {
        let start = now()
        for _ in 0..<reps { body() }
        best = min(best, (now() - start) / Double(reps))
    }
    return 2 * Double(m) * Double(n) * Double(k) / best / 1e9
}

func getenvString(_ n: String) -> String? { getenv(n).map { String(cString: $0) } }
var kernels: [(String, SgemmKernel)] = []
for name in (getenvString("KERNELS") ?? "avx512,avx2,portable").split(separator: ",").map(String.init) {
    if let kernel = SgemmKernel.named(name) {
        let base = kernel
        kernels.append((name, SgemmKernel(ck_sgemm_kernel_named(name)!.pointee, kc: blocking.kc ?? base.kc,
                                          mc: blocking.mc ?? base.mc, nc: blocking.nc ?? base.nc)))
    }
}
/// Compares every kernel with a naive triple loop on random shapes, transposes, strides, alpha,
/// beta (including NaN in C with beta 0), so edge tiles and in-place/packed B paths all run.
func check() {
    var failures = 0
    for trial in 0..<400 {
        let m = Int.random(in: 1...200), n = Int.random(in: 1...150), k = Int.random(in: 1...600)
        let transA = Bool.random(), transB = Bool.random()
        let ldc = n + Int.random(in: 0...3)
        let alpha: Float = [1, 0.5, -2][trial % 3], beta: Float = [0, 1, 0.25][(trial / 3) % 3]
        let a = randomMatrix(m * k), b = randomMatrix(k * n), c0 = randomMatrix(m * ldc)
        if beta == 0 { for i in 0..<(m * ldc) where i % 7 == 0 { c0[i] = .nan } }
        let am = FloatMatrix(a, leading: transA ? m : k, transposed: transA)
        let bm = FloatMatrix(b, leading: transB ? k : n, transposed: transB)
        for (name, kernel) in kernels {
            let c = UnsafeMutablePointer<Float>.allocate(capacity: m * ldc)
            c.update(from: c0, count: m * ldc)
            Sgemm.multiply(m: m, n: n, k: k, a: am, b: bm, c: c, ldc: ldc, alpha: alpha, beta: beta, kernel: kernel)
            var worst: Float = 0
            for i in 0..<m {
                for j in 0..<n {
                    var sum: Double = 0
                    for p in 0..<k { sum += Double(am[i, p]) * Double(bm[p, j]) }
                    let old = beta == 0 ? 0 : Double(c0[i * ldc + j]) * Double(beta)
                    let expected = Double(alpha) * sum + old
                    worst = max(worst, Float(abs(Double(c[i * ldc + j]) - expected) / max(abs(expected), 1)))
                }
                for j in n..<ldc where c[i * ldc + j].bitPattern != c0[i * ldc + j].bitPattern { worst = .infinity }
            }
            if !(worst < 1e-4) {
                failures += 1
                print("FAIL \(name) m=\(m) n=\(n) k=\(k) transA=\(transA) transB=\(transB) ldc=\(ldc) alpha=\(alpha) beta=\(beta): \(worst)")
            }
            c.deallocate()
        }
        for p in [a, b, c0] { p.deallocate() }
    }
    print("check: \(failures) failures in 400 random products x \(kernels.count) kernels")
}
if checkOnly {
    check()
    exit(0)
}

print("shape swift " + kernels.map { $0.0 }.joined(separator: " ") + " maxreldiff current=\(SgemmKernel.current.name)")
for shape in shapes {
    let (m, k, n) = (shape[0], shape[1], shape[2])
    let ldc = shape.count > 3 ? shape[3] : n
    let a = randomMatrix(m * k), b = randomMatrix(k * n)
    let reference = UnsafeMutablePointer<Float>.allocate(capacity: m * ldc)
    let c = UnsafeMutablePointer<Float>.allocate(capacity: m * ldc)
    reference.initialize(repeating: 0, count: m * ldc)
    c.initialize(repeating: 0, count: m * ldc)
    var line = "\(m)x\(k)x\(n)"
    line += " " + String(gflops(m, n, k) {
        SwiftSgemm.multiply(m: m, n: n, k: k, a: OldFloatMatrix(a, leading: k), b: OldFloatMatrix(b, leading: n),
                            c: reference, ldc: ldc)
    })
    var worst: Float = 0
    for (_, kernel) in kernels {
        line += " " + String(gflops(m, n, k) {
            Sgemm.multiply(m: m, n: n, k: k, a: FloatMatrix(a, leading: k), b: FloatMatrix(b, leading: n),
                           c: c, ldc: ldc, kernel: kernel)
        })
        for i in 0..<m {
            for j in 0..<n {
                let x = c[i * ldc + j], y = reference[i * ldc + j]
                worst = max(worst, abs(x - y) / max(abs(y), 1))
            }
        }
    }
    print(line + " \(worst)")
    for p in [a, b, reference, c] { p.deallocate() }
}
