/* Deliberately broken guests: each start function ends its call with an error; `ok` still works afterwards. */
#include "moc_guest.h"

int ok(void) { return 42; }

int do_ud2(void) { __builtin_trap(); }

int do_loop(void)
{
    for (;;) {
        __asm__ volatile("");
    }
}

/* 512 MiB: mapped by the guest's page tables but backed by no memory, so the host sees an MMIO exit. */
int do_unmapped(void)
{
    *(volatile uint64_t *)0x20000000 = 1;
    return 0;
}

/* An empty IDT makes the #UD undeliverable: #GP, double fault, then a triple fault (CPU shutdown). */
int do_triple(void)
{
    struct __attribute__((packed)) { uint16_t limit; uint64_t base; } idt = { 0, 0 };
    __asm__ volatile("lidt %0; ud2" : : "m"(idt));
    return 0;
}

int do_flood(void)
{
    for (;;) {
        get_input_buffer_id();
    }
}

int do_bad_pointer(void) { return (int)print_debug((const void *)0x7fff00000000ULL, 16); }

int do_bad_hypercall(void) { return (int)moc_hypercall(999, 0, 0, 0, 0, 0); }
