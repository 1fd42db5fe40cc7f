#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What the CPU offers a run.
public enum CPUTopology {
    /// Physical cores: SMT siblings share one core's FMA units, so a second thread on a sibling
    /// adds contention, not throughput, to GEMM-bound work. Read from Linux sysfs (distinct
    /// package/core pairs of online CPUs); elsewhere, the online logical CPUs.
    public static let physicalCores: Int = {
        let logical = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        var cores = Set<String>()
        for cpu in 0..<logical {
            let base = "/sys/devices/system/cpu/cpu\(cpu)/topology/"
            guard let core = readLine(base + "core_id") else { return logical }
            cores.insert((readLine(base + "physical_package_id") ?? "0") + ":" + core)
        }
        return max(1, min(cores.count, logical))
    }()

    private static func readLine(_ path: String) -> String? {
        guard let file = fopen(path, "r") else { return nil }
        defer { fclose(file) }
        var buffer = [CChar](repeating: 0, count: 64)
        guard fgets(&buffer, Int32(buffer.count), file) != nil else { return nil }
        let text = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return text.trimmingSuffix()
    }
}

extension String {
    fileprivate func trimmingSuffix() -> String {
        var text = self
        while let last = text.last, last == "\n" || last == " " { text.removeLast() }
        return text
    }
}
