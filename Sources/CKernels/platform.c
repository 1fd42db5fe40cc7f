// Platform facilities Swift cannot reach portably: glibc's heap trimming, the spin-wait hint, and
// which instruction set the CPU runs.
#include "CKernels.h"
#include "isa_dispatch.h"

#include <stdlib.h>  // defines __GLIBC__ on glibc
#if defined(__GLIBC__)
#include <malloc.h>
#endif

void ck_heap_release_free_pages(void) {
#if defined(__GLIBC__)
    malloc_trim(0);
#endif
}

void ck_cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

int ck_isa_level(void) {
    static int level = -1;
    int known = __atomic_load_n(&level, __ATOMIC_RELAXED);
    if (known >= 0) return known;
    known = CK_ISA_PORTABLE;
#if defined(__x86_64__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f")) known = CK_ISA_AVX512;
    else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) known = CK_ISA_AVX2_FMA;
#endif
    __atomic_store_n(&level, known, __ATOMIC_RELAXED);
    return known;
}
