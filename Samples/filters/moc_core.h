/* moc_core.h: the parts of the `core` guest API (GUEST-API.md) that filters use, for C compiled to wasm32 without
 * libc, plus small helpers to read headers (map encoding) and compare byte strings. */
#ifndef MOC_CORE_H
#define MOC_CORE_H

#include "../c/moc.h" /* u32, MOC_STR, moc_alloc (declared imports cost nothing unless used) */

typedef unsigned char u8;

#define CORE_IMPORT(name) __attribute__((import_module("core"), import_name(name)))

CORE_IMPORT("get_input_buffer_id") u32 core_get_input_buffer_id(void);
CORE_IMPORT("get_output_buffer_id") u32 core_get_output_buffer_id(void);
CORE_IMPORT("read_exchange_buffer") u32 core_read_exchange_buffer(u32 id, void *dest, u32 len);
CORE_IMPORT("read_exchange_buffer_headers") u32 core_read_exchange_buffer_headers(u32 id);
CORE_IMPORT("write_exchange_buffer") u32 core_write_exchange_buffer(u32 id, const void *bytes, u32 len);
CORE_IMPORT("write_exchange_buffer_header") u32 core_write_exchange_buffer_header(u32 id, const void *name, u32 name_len, const void *value, u32 value_len);
CORE_IMPORT("write_exchange_buffer_status_code") u32 core_write_exchange_buffer_status_code(u32 id, u32 code);
CORE_IMPORT("base64_decode") u32 core_base64_decode(const void *text, u32 len);
CORE_IMPORT("jwt_verify_rs256") u32 core_jwt_verify_rs256(const void *token, u32 token_len, const void *jwks, u32 jwks_len);

/* The whole body of buffer `id` ("two-call": ask the size, then copy); 0 on failure. */
static inline const u8 *moc_read_all(u32 id, u32 *size)
{
    u32 length = core_read_exchange_buffer(id, 0, 0);
    if (length == 0xFFFFFFFFu)
        return 0;
    u8 *bytes = moc_alloc(length);
    if (bytes == 0 && length > 0)
        return 0;
    *size = core_read_exchange_buffer(id, bytes, length);
    return bytes;
}

static inline u32 moc_u32le(const u8 *p) { return p[0] | (p[1] << 8) | (p[2] << 16) | ((u32)p[3] << 24); }

static inline int moc_equal(const u8 *a, u32 a_len, const u8 *b, u32 b_len)
{
    if (a_len != b_len)
        return 0;
    u8 difference = 0; /* no early exit: comparing secrets should not leak where they differ */
    for (u32 i = 0; i < a_len; i++)
        difference |= a[i] ^ b[i];
    return difference == 0;
}

static inline int moc_starts_with(const u8 *text, u32 len, const char *prefix, u32 prefix_len)
{
    return len >= prefix_len && moc_equal(text, prefix_len, (const u8 *)prefix, prefix_len);
}

/* Looks header `name` (lowercase) up in a map-encoded buffer: u32le N, then N (u32le length, bytes), key, value... */
static inline int moc_map_get(const u8 *map, u32 size, const char *name, u32 name_len, const u8 **value, u32 *value_len)
{
    if (map == 0 || size < 4)
        return 0;
    u32 count = moc_u32le(map), at = 4;
    for (u32 i = 0; i + 1 < count; i += 2) {
        if (at + 4 > size) return 0;
        u32 key_len = moc_u32le(map + at);
        const u8 *key = map + at + 4;
        at += 4 + key_len;
        if (at + 4 > size) return 0;
        u32 length = moc_u32le(map + at);
        if (at + 4 + length > size) return 0;
        if (moc_equal(key, key_len, (const u8 *)name, name_len)) {
            *value = map + at + 4;
            *value_len = length;
            return 1;
        }
        at += 4 + length;
    }
    return 0;
}

/* The request headers of this call (the input buffer's), in the map encoding. */
static inline const u8 *moc_request_headers(u32 *size)
{
    u32 id = core_read_exchange_buffer_headers(core_get_input_buffer_id());
    return id == 0 ? 0 : moc_read_all(id, size);
}

#endif
