/* The guest runtime of translated wasm (see moc_wasm_rt.h): wasm-rt.h's functions and the guest API imports. */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "wasm-rt.h"
#include "moc_wasm_rt.h"

#define PAGE 65536u
#define FAILURE 0xFFFFFFFFu

/* The one linear memory, in the region between the image and the stack (allocated below). */
static wasm_rt_memory_t *moc_memory;
static uint8_t *moc_region;
static uint32_t moc_cap_pages;

/* ---- hypercalls and traps ---- */

#ifdef MOC_HOSTED
/* The hosted shim answers hypercalls as the engine does, and hands out the linear memory region. */
extern uint64_t moc_hosted_hypercall(uint32_t number, uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e);
extern uint8_t *moc_hosted_region(uint64_t *bytes, uint64_t *cap);

uint64_t moc_hypercall(uint32_t number, uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e)
{
    return moc_hosted_hypercall(number, a, b, c, d, e);
}
#else
/* GuestLayout.BootInfo: the host writes the RAM size and the linear memory cap there. */
#define MOC_BOOT_INFO ((volatile struct moc_boot_info *)0x7000)
/* GuestLayout.StackBytes, plus a gap that keeps a deep stack from reaching linear memory. */
#define MOC_STACK_RESERVE (256u * 1024u + 64u * 1024u)
extern uint8_t __moc_linear_start[];

uint64_t moc_hypercall(uint32_t number, uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e)
{
    uint64_t result;
    register uint64_t r8 __asm__("r8") = d;
    register uint64_t r9 __asm__("r9") = e;
    __asm__ volatile("outl %%eax, %%dx"
                     : "=a"(result)
                     : "a"((uint64_t)number), "d"((uint64_t)0x500), "D"(a), "S"(b), "c"(c), "r"(r8), "r"(r9)
                     : "memory");
    return result;
}
#endif

uint32_t moc_import;

/* RDI code, RSI linear memory size; for MOC_TRAP_HOST_POINTER also RCX the import (moc_import), R8 and R9 the range. */
static _Noreturn void moc_trap_with(uint32_t code, uint64_t offset, uint64_t length)
{
    moc_hypercall(MOC_HC_WASM_TRAP, code, moc_memory == NULL ? 0 : moc_memory->size, moc_import, offset, length);
    for (;;) {
        __builtin_trap(); /* the host never resumes a trapped call; ud2 ends it if it did */
    }
}

_Noreturn void moc_trap(uint32_t code) { moc_trap_with(code, 0, 0); }

_Noreturn void wasm_rt_trap(wasm_rt_trap_t code) { moc_trap((uint32_t)code); }

/* ---- linear memory: one per module, in the region between the image and the stack ---- */


void moc_runtime_begin(void)
{
    uint64_t bytes, cap;
#ifdef MOC_HOSTED
    moc_region = moc_hosted_region(&bytes, &cap);
#else
    uint64_t ram = MOC_BOOT_INFO->ram_bytes;
    moc_region = __moc_linear_start;
    uint64_t start = (uint64_t)(uintptr_t)__moc_linear_start;
    bytes = ram > start + MOC_STACK_RESERVE ? ram - start - MOC_STACK_RESERVE : 0;
    cap = MOC_BOOT_INFO->linear_memory_cap;
#endif
    if (cap > bytes) {
        cap = bytes;
    }
    if (cap > 65536ull * PAGE - PAGE) {
        cap = 65536ull * PAGE - PAGE; /* wasm_rt_memory_t's size is 32 bits */
    }
    moc_cap_pages = (uint32_t)(cap / PAGE);
}

void wasm_rt_allocate_memory(wasm_rt_memory_t *memory, uint32_t initial_pages, uint32_t max_pages)
{
    if (moc_memory != NULL || initial_pages > moc_cap_pages) {
        moc_trap(MOC_TRAP_NO_MEMORY);
    }
    moc_memory = memory;
    memory->data = moc_region;
    memory->pages = initial_pages;
    memory->max_pages = max_pages;
    memory->size = initial_pages * PAGE;
}

uint32_t wasm_rt_grow_memory(wasm_rt_memory_t *memory, uint32_t delta)
{
    uint32_t old = memory->pages;
    uint64_t wanted = (uint64_t)old + delta;
    if (wanted > memory->max_pages || wanted > moc_cap_pages) {
        return FAILURE;
    }
    /* Pages past the old size were never written in this call: a fresh or reset VM has them zero. */
    memory->pages = (uint32_t)wanted;
    memory->size = (uint32_t)(wanted * PAGE);
    return old;
}

void wasm_rt_free_memory(wasm_rt_memory_t *memory) { (void)memory; }

uint64_t moc_linear(const char *host_function, uint32_t offset, uint32_t length)
{
    (void)host_function;
    if (length == 0) {
        return (uint64_t)(uintptr_t)moc_region;
    }
    if (moc_memory == NULL || (uint64_t)offset + length > moc_memory->size) {
        moc_trap_with(MOC_TRAP_HOST_POINTER, offset, length);
    }
    return (uint64_t)(uintptr_t)(moc_memory->data + offset);
}

/* ---- tables and function types ---- */

/* Tables come from fixed pools, one after another; only the last one made can grow. */
#define MOC_TABLE(kind, type, capacity)                                                                          \
    static type moc_##kind##_pool[capacity];                                                                    \
    static uint32_t moc_##kind##_used;                                                                          \
                                                                                                                \
    void wasm_rt_allocate_##kind##_table(wasm_rt_##kind##_table_t *table, uint32_t elements, uint32_t max_elements) \
    {                                                                                                           \
        if (elements > (capacity) - moc_##kind##_used) {                                                        \
            moc_trap(MOC_TRAP_TABLES);                                                                          \
        }                                                                                                       \
        table->data = moc_##kind##_pool + moc_##kind##_used;                                                    \
        table->size = elements;                                                                                 \
        table->max_size = max_elements;                                                                         \
        moc_##kind##_used += elements;                                                                          \
    }                                                                                                           \
                                                                                                                \
    uint32_t wasm_rt_grow_##kind##_table(wasm_rt_##kind##_table_t *table, uint32_t delta, type init)            \
    {                                                                                                           \
        uint32_t old = table->size;                                                                             \
        bool last = table->data + table->size == moc_##kind##_pool + moc_##kind##_used;                        \
        if (!last || (uint64_t)old + delta > table->max_size || delta > (capacity) - moc_##kind##_used) {       \
            return FAILURE;                                                                                     \
        }                                                                                                       \
        for (uint32_t i = 0; i < delta; i++) {                                                                  \
            table->data[old + i] = init;                                                                        \
        }                                                                                                       \
        table->size += delta;                                                                                   \
        moc_##kind##_used += delta;                                                                             \
        return old;                                                                                             \
    }                                                                                                           \
                                                                                                                \
    void wasm_rt_free_##kind##_table(wasm_rt_##kind##_table_t *table) { (void)table; }

MOC_TABLE(funcref, wasm_rt_funcref_t, 16384)
MOC_TABLE(externref, wasm_rt_externref_t, 4096)

/* A type is its parameter and result counts and kinds; call_indirect compares the indexes handed out here. */
#define MOC_TYPES 1024
#define MOC_TYPE_VALUES 32
struct moc_func_type {
    uint32_t params, results;
    uint8_t values[MOC_TYPE_VALUES];
};
static struct moc_func_type moc_types[MOC_TYPES];
static uint32_t moc_type_count;

uint32_t wasm_rt_register_func_type(uint32_t params, uint32_t results, ...)
{
    struct moc_func_type type = {params, results, {0}};
    va_list values;
    va_start(values, results);
    for (uint32_t i = 0; i < params + results; i++) {
        int value = va_arg(values, int);
        if (i < MOC_TYPE_VALUES) {
            type.values[i] = (uint8_t)(value + 1);
        }
    }
    va_end(values);
    for (uint32_t i = 0; i < moc_type_count; i++) {
        struct moc_func_type *known = &moc_types[i];
        bool same = known->params == params && known->results == results;
        for (uint32_t v = 0; same && v < MOC_TYPE_VALUES; v++) {
            same = known->values[v] == type.values[v];
        }
        if (same) {
            return i + 1;
        }
    }
    if (moc_type_count == MOC_TYPES) {
        moc_trap(MOC_TRAP_TABLES);
    }
    moc_types[moc_type_count++] = type;
    return moc_type_count;
}

void wasm_rt_init(void) {}
bool wasm_rt_is_initialized(void) { return true; }
void wasm_rt_free(void) {}

#if WASM_RT_USE_STACK_DEPTH_COUNT
uint32_t wasm_rt_call_stack_depth;
#endif

/* ---- the guest API: my-own-cluster over the kvm-elf hypercalls, core partly over them ---- */

#define HC(n, a, b, c, d, e) ((uint32_t)moc_hypercall((n), (a), (b), (c), (d), (e)))
#define LIN(name, p, l) moc_linear((name), (p), (l))

uint32_t moc_import_test(void) { return HC(MOC_HC_TEST, 0, 0, 0, 0, 0); }

uint32_t moc_import_print_debug(uint32_t p, uint32_t l)
{
    return HC(MOC_HC_PRINT_DEBUG, LIN("print_debug", p, l), l, 0, 0, 0);
}

uint32_t moc_import_register_buffer(uint32_t p, uint32_t l)
{
    return HC(MOC_HC_REGISTER_BUFFER, LIN("register_buffer", p, l), l, 0, 0, 0);
}

uint32_t moc_import_get_buffer_size(uint32_t id) { return HC(MOC_HC_GET_BUFFER_SIZE, id, 0, 0, 0, 0); }

uint32_t moc_import_get_buffer(uint32_t id, uint32_t p, uint32_t l)
{
    /* Like Wasmtime's host function, only the bytes actually copied must lie in linear memory. */
    uint32_t size = HC(MOC_HC_GET_BUFFER_SIZE, id, 0, 0, 0, 0);
    uint32_t count = size == FAILURE ? 0 : (l < size ? l : size);
    return HC(MOC_HC_GET_BUFFER, id, LIN("get_buffer", p, count), count, 0, 0);
}

uint32_t moc_import_write_buffer(uint32_t id, uint32_t p, uint32_t l)
{
    return HC(MOC_HC_WRITE_BUFFER, id, LIN("write_buffer", p, l), l, 0, 0);
}

uint32_t moc_import_write_buffer_header(uint32_t id, uint32_t np, uint32_t nl, uint32_t vp, uint32_t vl)
{
    return HC(MOC_HC_WRITE_BUFFER_HEADER, id, LIN("write_buffer_header", np, nl), nl, LIN("write_buffer_header", vp, vl), vl);
}

uint32_t moc_import_free_buffer(uint32_t id) { return HC(MOC_HC_FREE_BUFFER, id, 0, 0, 0, 0); }

uint32_t moc_import_get_input_buffer_id(void) { return HC(MOC_HC_GET_INPUT_BUFFER_ID, 0, 0, 0, 0, 0); }

uint32_t moc_import_get_output_buffer_id(void) { return HC(MOC_HC_GET_OUTPUT_BUFFER_ID, 0, 0, 0, 0, 0); }

uint32_t moc_import_get_url(uint32_t p, uint32_t l) { return HC(MOC_HC_GET_URL, LIN("get_url", p, l), l, 0, 0, 0); }

uint32_t moc_import_create_exchange_buffer(void) { return HC(MOC_HC_REGISTER_BUFFER, 0, 0, 0, 0, 0); }

uint32_t moc_import_is_trace(void) { return 0; }

/* Imports whose pointers the host resolves against linear memory itself (two-call results, WASI's structs). The
 * result is the whole of RAX: an i32 zero-extended (the glue takes its low half), an i64 as it is. */
static uint64_t moc_host_call(uint32_t hypercall, uint32_t function, uint32_t count, const uint64_t *args)
{
    struct moc_host_call call;
    call.function = function;
    call.memory_base = moc_memory == NULL ? 0 : (uint64_t)(uintptr_t)moc_memory->data;
    call.memory_size = moc_memory == NULL ? 0 : moc_memory->size;
    call.count = count;
    for (uint32_t i = 0; i < count && i < MOC_HOST_MAX_ARGS; i++) {
        call.args[i] = args[i];
    }
    return moc_hypercall(hypercall, (uint64_t)(uintptr_t)&call, 0, 0, 0, 0);
}

uint64_t moc_core(uint32_t function, uint32_t count, const uint64_t *args)
{
    return moc_host_call(MOC_HC_WASM_CORE, function, count, args);
}

uint64_t moc_wasi(uint32_t function, uint32_t count, const uint64_t *args)
{
    return moc_host_call(MOC_HC_WASM_WASI, function, count, args);
}

/* ---- what gcc may call in freestanding code (no libc in a guest) ---- */

#ifndef MOC_HOSTED
void *memcpy(void *dest, const void *src, size_t n)
{
    uint8_t *d = dest;
    const uint8_t *s = src;
    while (n--) {
        *d++ = *s++;
    }
    return dest;
}

void *memmove(void *dest, const void *src, size_t n)
{
    uint8_t *d = dest;
    const uint8_t *s = src;
    if (d < s) {
        while (n--) {
            *d++ = *s++;
        }
    } else {
        while (n--) {
            d[n] = s[n];
        }
    }
    return dest;
}

void *memset(void *dest, int value, size_t n)
{
    uint8_t *d = dest;
    while (n--) {
        *d++ = (uint8_t)value;
    }
    return dest;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const uint8_t *x = a, *y = b;
    for (size_t i = 0; i < n; i++) {
        if (x[i] != y[i]) {
            return x[i] < y[i] ? -1 : 1;
        }
    }
    return 0;
}
#endif
