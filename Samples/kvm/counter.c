#include "moc_guest.h"

static int counter = 7;
static int zeroed;
static char copied[64];

/* Returns counter++ + zeroed++: 7 on every call when no state survives between calls. */
int next(void)
{
    return counter++ + zeroed++;
}

/* Reports what an earlier call's get_buffer left in `copied` (0 when host writes are undone), then copies the input. */
int leak(void)
{
    int before = copied[0];
    get_buffer(get_input_buffer_id(), copied, sizeof copied);
    return before;
}

/* A ring-0 guest can also hide data in MSRs and debug registers: stash a value in LSTAR and DR0 ... */
int stash(long value)
{
    __asm__ volatile("wrmsr" : : "c"(0xC0000082u), "a"((uint32_t)value), "d"((uint32_t)(value >> 32)));
    __asm__ volatile("mov %0, %%dr0" : : "r"(value));
    return 0;
}

/* ... and look for it in the next call: 0 when both were reset. */
int peek(void)
{
    uint32_t low, high;
    uint64_t dr0;
    __asm__ volatile("rdmsr" : "=a"(low), "=d"(high) : "c"(0xC0000082u));
    __asm__ volatile("mov %%dr0, %0" : "=r"(dr0));
    return (int)(low | high | dr0);
}

/* What the guest's CPUID announces that the VM would have to reset: XSAVE (1), AVX (2), AVX-512F (4), RDTSCP (8),
   the KVM paravirtual leaves (16). 0 when the CPUID is filtered. */
int cpu_features(void)
{
    uint32_t a, b, c, d, features = 0;
    __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(1), "c"(0));
    if (c & (1u << 26)) features |= 1;
    if (c & (1u << 28)) features |= 2;
    __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(7), "c"(0));
    if (b & (1u << 16)) features |= 4;
    __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0x80000001u), "c"(0));
    if (d & (1u << 27)) features |= 8;
    __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0x40000000u), "c"(0));
    if (b == 0x4b4d564bu) features |= 16; /* "KVMK" */
    return (int)features;
}

/* An MSR outside the legacy set: TSC_AUX (0xC0000103) or a KVM paravirtual one (0x4B564D05, poll control). */
int stash_msr(long msr, long value)
{
    __asm__ volatile("wrmsr" : : "c"((uint32_t)msr), "a"((uint32_t)value), "d"((uint32_t)(value >> 32)));
    return 0;
}

int peek_msr(long msr)
{
    uint32_t low, high;
    __asm__ volatile("rdmsr" : "=a"(low), "=d"(high) : "c"((uint32_t)msr));
    return (int)(low ^ high);
}
