// The machine's FMA ceiling for one thread: 12 independent chains of vector FMAs (enough to hide
// latency on two pipes), 512-bit and 256-bit. Prints "avx512 <GFLOP/s> avx2 <GFLOP/s>", the best
// of five runs in thread CPU time. Built and run by integration/bench/sgemm.py.
#include <stdio.h>
#include <time.h>

typedef float v16 __attribute__((vector_size(64)));
typedef float v8 __attribute__((vector_size(32)));

static double cpu_seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

#define PEAK(NAME, TARGET, V, LANES)                                                                        \
    TARGET static double NAME(long n) {                                                                     \
        V a[12], b = (V){0} + 1.0001f, c = (V){0} + 0.9999f;                                                \
        for (int i = 0; i < 12; i++) a[i] = (V){0} + (float)i;                                              \
        double start = cpu_seconds();                                                                       \
        for (long j = 0; j < n; j++) {                                                                      \
            for (int i = 0; i < 12; i++) a[i] = a[i] * b + c;                                               \
            __asm__ volatile("" : "+v"(a[0]), "+v"(a[1]), "+v"(a[2]), "+v"(a[3]), "+v"(a[4]), "+v"(a[5]),   \
                             "+v"(a[6]), "+v"(a[7]), "+v"(a[8]), "+v"(a[9]), "+v"(a[10]), "+v"(a[11]));     \
        }                                                                                                   \
        double seconds = cpu_seconds() - start;                                                             \
        volatile float sink = a[0][0];                                                                      \
        (void)sink;                                                                                         \
        return 2.0 * LANES * 12 * n / seconds / 1e9;                                                        \
    }

PEAK(peak512, __attribute__((target("avx512f"))), v16, 16)
PEAK(peak256, __attribute__((target("avx2,fma"))), v8, 8)

int main(void) {
    __builtin_cpu_init();
    double best512 = 0, best256 = 0;
    for (int run = 0; run < 5; run++) {
        if (__builtin_cpu_supports("avx512f")) {
            double g = peak512(20000000);
            if (g > best512) best512 = g;
        }
        if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
            double g = peak256(20000000);
            if (g > best256) best256 = g;
        }
    }
    printf("avx512 %.1f avx2 %.1f\n", best512, best256);
    return 0;
}
