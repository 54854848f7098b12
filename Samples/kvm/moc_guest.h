/*
 * moc_guest.h - the my-own-cluster guest API for native x86-64 KVM guests.
 *
 * Hypercall ABI (the host side is Grains/Execution/Kvm/Hypercalls.cs):
 *   - the guest executes `out dx, eax` with DX = 0x500 (MOC_HYPERCALL_PORT) and EAX = the hypercall number;
 *   - arguments, in order, in RDI, RSI, RCX, R8, R9 (System V order without RDX, which holds the port);
 *   - the host writes the 32-bit result to RAX (zero-extended) and resumes after the `out`;
 *   - pointers are guest-physical addresses (= virtual: memory is identity-mapped); every pointer/length is
 *     checked against guest memory and a bad one ends the call with an error naming the hypercall.
 * Semantics are those of the wasm `my-own-cluster` module (GUEST-API.md): sizes/counts return 0xFFFFFFFF on
 * failure, buffer ids return 0, the reason goes to the function's log.
 *
 * The machine: 64-bit long mode, ring 0, no OS. Memory is identity-mapped; the image is linked at 0x100000
 * (guest.ld) and the stack grows down from the top of guest memory. A start function is an ordinary C function
 * taking up to six integer arguments; returning from it ends the call with its (int) result. Build with
 * -ffreestanding -nostdlib -static -fno-pie -no-pie -mno-red-zone -fno-stack-protector (see build.sh).
 */
#ifndef MOC_GUEST_H
#define MOC_GUEST_H

#include <stddef.h>
#include <stdint.h>

#define MOC_HYPERCALL_PORT 0x500

enum moc_hypercall {
    MOC_TEST = 0,
    MOC_PRINT_DEBUG = 1,
    MOC_REGISTER_BUFFER = 2,
    MOC_GET_BUFFER_SIZE = 3,
    MOC_GET_BUFFER = 4,
    MOC_WRITE_BUFFER = 5,
    MOC_WRITE_BUFFER_HEADER = 6,
    MOC_FREE_BUFFER = 7,
    MOC_GET_INPUT_BUFFER_ID = 8,
    MOC_GET_OUTPUT_BUFFER_ID = 9,
    MOC_GET_URL = 10,
};

static inline uint32_t moc_hypercall(uint32_t number, uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e)
{
    uint64_t result;
    register uint64_t r8 __asm__("r8") = d;
    register uint64_t r9 __asm__("r9") = e;
    __asm__ volatile("outl %%eax, %%dx"
                     : "=a"(result)
                     : "a"((uint64_t)number), "d"((uint64_t)MOC_HYPERCALL_PORT), "D"(a), "S"(b), "c"(c), "r"(r8), "r"(r9)
                     : "memory");
    return (uint32_t)result;
}

#define MOC_PTR(p) ((uint64_t)(uintptr_t)(p))

/* liveness probe: logs a line, returns 0 */
static inline uint32_t test(void) { return moc_hypercall(MOC_TEST, 0, 0, 0, 0, 0); }

/* log the text for this function; returns 0 */
static inline uint32_t print_debug(const void *text, uint32_t len)
{
    return moc_hypercall(MOC_PRINT_DEBUG, MOC_PTR(text), len, 0, 0, 0);
}

/* new buffer whose body is a copy of the bytes; 0 on failure */
static inline uint32_t register_buffer(const void *bytes, uint32_t len)
{
    return moc_hypercall(MOC_REGISTER_BUFFER, MOC_PTR(bytes), len, 0, 0, 0);
}

/* body length; 0xFFFFFFFF for an unknown id */
static inline uint32_t get_buffer_size(uint32_t id) { return moc_hypercall(MOC_GET_BUFFER_SIZE, id, 0, 0, 0, 0); }

/* copies min(len, size) body bytes to dest; returns the number copied */
static inline uint32_t get_buffer(uint32_t id, void *dest, uint32_t len)
{
    return moc_hypercall(MOC_GET_BUFFER, id, MOC_PTR(dest), len, 0, 0);
}

/* appends bytes to the body; returns len */
static inline uint32_t write_buffer(uint32_t id, const void *bytes, uint32_t len)
{
    return moc_hypercall(MOC_WRITE_BUFFER, id, MOC_PTR(bytes), len, 0, 0);
}

/* sets a header; 0 ok */
static inline uint32_t write_buffer_header(uint32_t id, const char *name, uint32_t name_len, const char *value, uint32_t value_len)
{
    return moc_hypercall(MOC_WRITE_BUFFER_HEADER, id, MOC_PTR(name), name_len, MOC_PTR(value), value_len);
}

/* releases a buffer; 0 ok, -1 unknown */
static inline int32_t free_buffer(uint32_t id) { return (int32_t)moc_hypercall(MOC_FREE_BUFFER, id, 0, 0, 0, 0); }

static inline uint32_t get_input_buffer_id(void) { return moc_hypercall(MOC_GET_INPUT_BUFFER_ID, 0, 0, 0, 0, 0); }

static inline uint32_t get_output_buffer_id(void) { return moc_hypercall(MOC_GET_OUTPUT_BUFFER_ID, 0, 0, 0, 0, 0); }

/* HTTP GET through the egress policy; a new buffer id, 0 on failure */
static inline uint32_t get_url(const char *url, uint32_t len) { return moc_hypercall(MOC_GET_URL, MOC_PTR(url), len, 0, 0, 0); }

/* small freestanding helpers (no libc in a guest) */
static inline uint32_t moc_strlen(const char *s)
{
    uint32_t n = 0;
    while (s[n] != 0) {
        n++;
    }
    return n;
}

#endif
