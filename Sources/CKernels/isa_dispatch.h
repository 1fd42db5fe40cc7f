// The run-time choice between a kernel's three builds (portable, AVX2+FMA, AVX-512F), shared by
// every C kernel that comes in those three. The CPU is asked once (`ck_isa_level` caches it);
// `CK_PICK` then costs a load and a compare per call. Off x86-64 only the portable build exists,
// and the macro never names the others.
#ifndef CK_ISA_DISPATCH_H
#define CK_ISA_DISPATCH_H

enum { CK_ISA_PORTABLE = 0, CK_ISA_AVX2_FMA = 1, CK_ISA_AVX512 = 2 };

/// The widest of the three instruction sets this CPU runs.
int ck_isa_level(void);

#if defined(__x86_64__)
#define CK_PICK(portable, avx2, avx512) \
    (ck_isa_level() == CK_ISA_AVX512 ? (avx512) : ck_isa_level() == CK_ISA_AVX2_FMA ? (avx2) : (portable))
#else
#define CK_PICK(portable, avx2, avx512) (portable)
#endif

#endif
