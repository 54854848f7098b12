/*
 * The hosted shim: a translated module built with -DMOC_HOSTED runs as an ordinary Linux process, and this file
 * answers its hypercalls the way the KVM engine does (Grains/Execution/Kvm/Hypercalls.cs, WasmCoreCalls.cs), with
 * buffers and one key-value namespace in memory. Tests compare what it prints with Wasmtime's answer for the same
 * module and input, without /dev/kvm.
 *
 * Usage: shim EXPORT INPUT-FILE OUTPUT-FILE MEMORY-CAP [ARG...]
 * Prints "result N", or "trap CODE MEMORY-BYTES", or "fault TEXT"; the output buffer's body goes to OUTPUT-FILE and
 * its headers (name=value lines) to OUTPUT-FILE.headers.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "moc_wasm_rt.h"

#define FAILURE 0xFFFFFFFFu
#define MAX_BUFFERS 256
#define MAX_HEADERS 32
#define MAX_KEYS 256

struct buffer {
    int live;
    uint8_t *body;
    uint32_t length;
    int status;
    char *names[MAX_HEADERS];
    char *values[MAX_HEADERS];
    int headers;
};

struct entry {
    char *key;
    uint8_t *value;
    uint32_t length;
};

static struct buffer buffers[MAX_BUFFERS];
static struct entry entries[MAX_KEYS];
static uint64_t linear_cap;

enum { INPUT_ID = 1, OUTPUT_ID = 2 };

static _Noreturn void fault(const char *text)
{
    printf("fault %s\n", text);
    exit(0);
}

static struct buffer *find(uint32_t id) { return id < MAX_BUFFERS && buffers[id].live ? &buffers[id] : NULL; }

static uint32_t new_buffer(const uint8_t *bytes, uint32_t length)
{
    for (uint32_t id = 3; id < MAX_BUFFERS; id++) {
        if (!buffers[id].live) {
            buffers[id] = (struct buffer){1, malloc(length + 1), length, 0, {0}, {0}, 0};
            memcpy(buffers[id].body, bytes, length);
            return id;
        }
    }
    return 0;
}

static uint32_t append(uint32_t id, const uint8_t *bytes, uint32_t length)
{
    struct buffer *b = find(id);
    if (b == NULL) {
        return FAILURE;
    }
    b->body = realloc(b->body, b->length + length + 1);
    memcpy(b->body + b->length, bytes, length);
    b->length += length;
    return length;
}

static char *text(const uint8_t *bytes, uint32_t length)
{
    char *copy = malloc(length + 1);
    memcpy(copy, bytes, length);
    copy[length] = 0;
    return copy;
}

static uint32_t set_header(uint32_t id, const uint8_t *n, uint32_t nl, const uint8_t *v, uint32_t vl)
{
    struct buffer *b = find(id);
    if (b == NULL || b->headers == MAX_HEADERS) {
        return FAILURE;
    }
    b->names[b->headers] = text(n, nl);
    b->values[b->headers++] = text(v, vl);
    return 0;
}

static struct entry *lookup(const uint8_t *key, uint32_t length)
{
    for (int i = 0; i < MAX_KEYS; i++) {
        if (entries[i].key != NULL && strlen(entries[i].key) == length && memcmp(entries[i].key, key, length) == 0) {
            return &entries[i];
        }
    }
    return NULL;
}

static uint32_t kv_set(const uint8_t *k, uint32_t kl, const uint8_t *v, uint32_t vl)
{
    struct entry *e = lookup(k, kl);
    for (int i = 0; e == NULL && i < MAX_KEYS; i++) {
        if (entries[i].key == NULL) {
            e = &entries[i];
            e->key = text(k, kl);
        }
    }
    if (e == NULL) {
        return FAILURE;
    }
    free(e->value);
    e->value = malloc(vl + 1);
    memcpy(e->value, v, vl);
    e->length = vl;
    return 0;
}

static const uint8_t *linear(const struct moc_core_call *call, uint64_t offset, uint64_t length)
{
    if (length != 0 && offset + length > call->memory_size) {
        fault("core pointer outside linear memory");
    }
    return (const uint8_t *)(uintptr_t)(call->memory_base + offset);
}

static uint32_t core(const struct moc_core_call *call)
{
    const uint64_t *a = call->args;
    switch (call->function) {
    case MOC_CORE_PERSISTENCE_SET:
        return kv_set(linear(call, a[0], a[1]), (uint32_t)a[1], linear(call, a[2], a[3]), (uint32_t)a[3]);
    case MOC_CORE_PERSISTENCE_GET: {
        struct entry *e = lookup(linear(call, a[0], a[1]), (uint32_t)a[1]);
        return e == NULL ? 0 : new_buffer(e->value, e->length);
    }
    case MOC_CORE_PERSISTENCE_DELETE: {
        struct entry *e = lookup(linear(call, a[0], a[1]), (uint32_t)a[1]);
        if (e == NULL) {
            return FAILURE;
        }
        free(e->key);
        e->key = NULL;
        return 0;
    }
    case MOC_CORE_READ_EXCHANGE_BUFFER: {
        struct buffer *b = find((uint32_t)a[0]);
        if (b == NULL) {
            return FAILURE;
        }
        if (a[2] >= b->length && b->length > 0) {
            memcpy((void *)linear(call, a[1], b->length), b->body, b->length);
        }
        return b->length;
    }
    case MOC_CORE_WRITE_STATUS_CODE: {
        struct buffer *b = find((uint32_t)a[0]);
        if (b == NULL || a[1] < 100 || a[1] > 999) {
            return FAILURE;
        }
        b->status = (int)a[1];
        return 0;
    }
    case MOC_CORE_CALL_FUNCTION:
        return FAILURE; /* no other functions here */
    default:
        fault("core function the shim does not serve");
    }
}

uint64_t moc_hosted_hypercall(uint32_t number, uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e)
{
    const uint8_t *pa = (const uint8_t *)(uintptr_t)a, *pb = (const uint8_t *)(uintptr_t)b, *pd = (const uint8_t *)(uintptr_t)d;
    switch (number) {
    case MOC_HC_TEST:
        return 0;
    case MOC_HC_PRINT_DEBUG:
        fprintf(stderr, "%.*s\n", (int)b, (const char *)pa);
        return 0;
    case MOC_HC_REGISTER_BUFFER:
        return new_buffer(pa, (uint32_t)b);
    case MOC_HC_GET_BUFFER_SIZE:
        return find((uint32_t)a) == NULL ? FAILURE : find((uint32_t)a)->length;
    case MOC_HC_GET_BUFFER: {
        struct buffer *buf = find((uint32_t)a);
        if (buf == NULL) {
            return FAILURE;
        }
        uint32_t count = (uint32_t)c < buf->length ? (uint32_t)c : buf->length;
        memcpy((void *)pb, buf->body, count);
        return count;
    }
    case MOC_HC_WRITE_BUFFER:
        return append((uint32_t)a, pb, (uint32_t)c);
    case MOC_HC_WRITE_BUFFER_HEADER:
        return set_header((uint32_t)a, pb, (uint32_t)c, pd, (uint32_t)e);
    case MOC_HC_FREE_BUFFER:
        if (a == INPUT_ID || a == OUTPUT_ID || find((uint32_t)a) == NULL) {
            return FAILURE;
        }
        buffers[a].live = 0;
        return 0;
    case MOC_HC_GET_INPUT_BUFFER_ID:
        return INPUT_ID;
    case MOC_HC_GET_OUTPUT_BUFFER_ID:
        return OUTPUT_ID;
    case MOC_HC_WASM_TRAP:
        printf("trap %llu %llu\n", (unsigned long long)a, (unsigned long long)b);
        fflush(stdout);
        exit(0);
    case MOC_HC_WASM_CORE:
        return core((const struct moc_core_call *)(uintptr_t)a);
    default:
        fault("unknown hypercall");
    }
}

uint8_t *moc_hosted_region(uint64_t *bytes, uint64_t *cap)
{
    static uint8_t *region;
    if (region == NULL) {
        region = calloc(1, linear_cap + 65536);
    }
    *bytes = linear_cap;
    *cap = linear_cap;
    return region;
}

extern const struct { const char *name; void *function; int parameters; } moc_exports[];

int main(int argc, char **argv)
{
    if (argc < 5) {
        fault("usage: shim EXPORT INPUT-FILE OUTPUT-FILE MEMORY-CAP [ARG...]");
    }
    linear_cap = strtoull(argv[4], NULL, 10);
    FILE *in = fopen(argv[2], "rb");
    static uint8_t input[1 << 20];
    size_t length = in == NULL ? 0 : fread(input, 1, sizeof input, in);
    if (in != NULL) {
        fclose(in);
    }
    buffers[INPUT_ID] = (struct buffer){1, malloc(length + 1), (uint32_t)length, 0, {0}, {0}, 0};
    memcpy(buffers[INPUT_ID].body, input, length);
    buffers[OUTPUT_ID] = (struct buffer){1, malloc(1), 0, 0, {0}, {0}, 0};

    uint64_t args[6] = {0};
    for (int i = 5; i < argc && i < 11; i++) {
        args[i - 5] = (uint64_t)strtoll(argv[i], NULL, 10);
    }
    for (int i = 0; moc_exports[i].name != NULL; i++) {
        if (strcmp(moc_exports[i].name, argv[1]) == 0) {
            int64_t (*start)(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t) = moc_exports[i].function;
            int64_t result = start(args[0], args[1], args[2], args[3], args[4], args[5]);
            FILE *out = fopen(argv[3], "wb");
            fwrite(buffers[OUTPUT_ID].body, 1, buffers[OUTPUT_ID].length, out);
            fclose(out);
            char path[4096];
            snprintf(path, sizeof path, "%s.headers", argv[3]);
            FILE *headers = fopen(path, "w");
            for (int h = 0; h < buffers[OUTPUT_ID].headers; h++) {
                fprintf(headers, "%s=%s\n", buffers[OUTPUT_ID].names[h], buffers[OUTPUT_ID].values[h]);
            }
            fclose(headers);
            printf("result %lld\n", (long long)result);
            return 0;
        }
    }
    fault("no such export");
}
