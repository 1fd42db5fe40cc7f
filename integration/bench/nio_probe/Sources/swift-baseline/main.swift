/// An empty Swift program that waits: the size and resident memory of the Swift runtime alone, built the
/// same way as `nio-probe`, so that `local_api.py` can tell what SwiftNIO itself adds.
#if canImport(Glibc)
import Glibc
#endif

print("ready")
fflush(nil)  // all streams: stdout is a pipe
while true { pause() }
