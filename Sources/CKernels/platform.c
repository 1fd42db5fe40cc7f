// Platform facilities Swift cannot reach portably: glibc's heap trimming and the spin-wait hint.
#include "CKernels.h"

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
