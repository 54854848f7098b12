/*
 * The hosted shim: a translated module built with -DMOC_HOSTED runs as an ordinary Linux process, and this file is
 * only its transport. Each hypercall the guest runtime makes (number and the five argument registers, exactly as the
 * VM path passes them in RDI, RSI, RCX, R8, R9) is written to stdout and answered on stdin by the test, which serves it
 * with the KVM engine's own C# dispatch (Grains/Execution/Kvm/Hypercalls.cs). Guest memory the host may read or write
 * (linear memory, and the stack that holds the runtime's call blocks) lives in a file the test maps too, so host
 * pointers are addresses in that shared region: what is not exercised is only the VM transport itself.
 *
 * Usage: shim EXPORT REGION-FILE LINEAR-BYTES [ARG...]
 * Messages (little-endian u64 words): to the test {0, region address}, then {1, number, a, b, c, d, e} per
 * hypercall (answered with one word), and {2, result} when the export returns.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <ucontext.h>
#include <unistd.h>

#include "moc_wasm_rt.h"

static uint8_t *region;
static uint64_t region_bytes;
static uint64_t linear_bytes;

static void put(const uint64_t *words, size_t count)
{
    const uint8_t *bytes = (const uint8_t *)words;
    size_t left = count * 8;
    while (left > 0) {
        ssize_t n = write(1, bytes, left);
        if (n <= 0) {
            _exit(3);
        }
        bytes += n;
        left -= (size_t)n;
    }
}

static uint64_t get(void)
{
    uint64_t word;
    uint8_t *bytes = (uint8_t *)&word;
    size_t left = 8;
    while (left > 0) {
        ssize_t n = read(0, bytes, left);
        if (n <= 0) {
            _exit(4); /* the test ended the call (a trap, a fault, a WASI exit) */
        }
        bytes += n;
        left -= (size_t)n;
    }
    return word;
}

uint64_t moc_hosted_hypercall(uint32_t number, uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e)
{
    const uint64_t request[7] = {1, number, a, b, c, d, e};
    put(request, 7);
    return get(); /* all of RAX, as the VM path returns it (i64 host-call results are whole) */
}

uint8_t *moc_hosted_region(uint64_t *bytes, uint64_t *cap)
{
    *bytes = linear_bytes;
    *cap = linear_bytes;
    return region;
}

extern const struct { const char *name; void *function; int parameters; } moc_exports[];

static int64_t (*start)(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);
static uint64_t args[6];
static int64_t result;
static ucontext_t shim_context, guest_context;

static void run_export(void) { result = start(args[0], args[1], args[2], args[3], args[4], args[5]); }

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: shim EXPORT REGION-FILE LINEAR-BYTES [ARG...]\n");
        return 2;
    }
    int fd = open(argv[2], O_RDWR);
    struct stat info;
    if (fd < 0 || fstat(fd, &info) != 0) {
        perror("region");
        return 2;
    }
    region_bytes = (uint64_t)info.st_size;
    linear_bytes = strtoull(argv[3], NULL, 10);
    region = mmap(NULL, region_bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (region == MAP_FAILED || linear_bytes + 65536 >= region_bytes) {
        fprintf(stderr, "region too small\n");
        return 2;
    }
    for (int i = 4; i < argc && i < 10; i++) {
        args[i - 4] = (uint64_t)strtoll(argv[i], NULL, 10);
    }
    for (int i = 0; moc_exports[i].name != NULL; i++) {
        if (strcmp(moc_exports[i].name, argv[1]) == 0) {
            start = moc_exports[i].function;
        }
    }
    if (start == NULL) {
        fprintf(stderr, "no such export\n");
        return 2;
    }

    const uint64_t hello[2] = {0, (uint64_t)(uintptr_t)region};
    put(hello, 2);
    /* The guest runs on a stack in the shared region (after linear memory), as a VM's stack is in guest RAM. */
    getcontext(&guest_context);
    guest_context.uc_stack.ss_sp = region + linear_bytes + 65536;
    guest_context.uc_stack.ss_size = region_bytes - linear_bytes - 65536;
    guest_context.uc_link = &shim_context;
    makecontext(&guest_context, run_export, 0);
    swapcontext(&shim_context, &guest_context);
    const uint64_t done[2] = {2, (uint64_t)result};
    put(done, 2);
    return 0;
}
