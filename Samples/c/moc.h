/* moc.h: the `my-own-cluster` guest API (see GUEST-API.md) for C compiled to wasm32 without libc.
 * Every parameter and result is 32 bits; a string is (pointer, length), not NUL-terminated. */
#ifndef MOC_H
#define MOC_H

typedef unsigned int u32;
typedef int i32;

#define MOC_IMPORT(name) __attribute__((import_module("my-own-cluster"), import_name(name)))

MOC_IMPORT("test") u32 moc_test(void);
MOC_IMPORT("print_debug") u32 moc_print_debug(const void *text, u32 len);
MOC_IMPORT("register_buffer") u32 moc_register_buffer(const void *bytes, u32 len);
MOC_IMPORT("get_buffer_size") u32 moc_get_buffer_size(u32 id);
MOC_IMPORT("get_buffer") u32 moc_get_buffer(u32 id, void *dest, u32 len);
MOC_IMPORT("write_buffer") u32 moc_write_buffer(u32 id, const void *bytes, u32 len);
MOC_IMPORT("write_buffer_header") u32 moc_write_buffer_header(u32 id, const void *name, u32 name_len, const void *value, u32 value_len);
MOC_IMPORT("free_buffer") i32 moc_free_buffer(u32 id);
MOC_IMPORT("get_input_buffer_id") u32 moc_get_input_buffer_id(void);
MOC_IMPORT("get_output_buffer_id") u32 moc_get_output_buffer_id(void);
MOC_IMPORT("get_url") u32 moc_get_url(const void *url, u32 len);

/* Host functions return -1 where they return a size or count. */
#define MOC_ERROR ((u32)0xFFFFFFFFu)

/* A string literal as the (pointer, length) pair the API takes. */
#define MOC_STR(literal) (literal), (u32)(sizeof(literal) - 1)

/* Fresh zeroed memory at the end of linear memory, enough for `size` bytes; 0 if memory cannot grow.
 * Never freed: an invocation gets a fresh instance, so its memory goes away with it. */
static inline void *moc_alloc(u32 size)
{
    u32 pages = (size + 65535u) / 65536u;
    u32 base = (u32)__builtin_wasm_memory_size(0) * 65536u;
    if (pages > 0 && __builtin_wasm_memory_grow(0, pages) == (__SIZE_TYPE__)-1)
        return 0;
    return (void *)base;
}

/* The whole body of buffer `id`, in memory from moc_alloc; *size gets its length. 0 on failure. */
static inline unsigned char *moc_read_buffer(u32 id, u32 *size)
{
    u32 length = moc_get_buffer_size(id);
    if (length == MOC_ERROR)
        return 0;
    unsigned char *bytes = moc_alloc(length);
    if (bytes == 0)
        return 0;
    *size = moc_get_buffer(id, bytes, length);
    return bytes;
}

#endif
