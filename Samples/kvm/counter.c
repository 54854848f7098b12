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
