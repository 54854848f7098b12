/* sha256: answers the SHA-256 of the request body as 64 hex digits (FIPS 180-4). A compute-heavy sample: the
 * wasm-in-KVM benchmark (bench/wasm-kvm.sh) hashes 1 MiB with it on Wasmtime and in a micro-VM. */
#include "moc.h"

static const u32 K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static u32 rotr(u32 x, u32 n) { return (x >> n) | (x << (32 - n)); }

/* One 64-byte block into the state. */
static void compress(u32 state[8], const unsigned char *block)
{
    u32 w[64];
    for (u32 i = 0; i < 16; i++)
        w[i] = ((u32)block[4 * i] << 24) | ((u32)block[4 * i + 1] << 16) | ((u32)block[4 * i + 2] << 8) | block[4 * i + 3];
    for (u32 i = 16; i < 64; i++)
    {
        u32 s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
        u32 s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }

    u32 a = state[0], b = state[1], c = state[2], d = state[3], e = state[4], f = state[5], g = state[6], h = state[7];
    for (u32 i = 0; i < 64; i++)
    {
        u32 t1 = h + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i];
        u32 t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
        h = g;
        g = f;
        f = e;
        e = d + t1;
        d = c;
        c = b;
        b = a;
        a = t1 + t2;
    }

    state[0] += a;
    state[1] += b;
    state[2] += c;
    state[3] += d;
    state[4] += e;
    state[5] += f;
    state[6] += g;
    state[7] += h;
}

int _start(void)
{
    u32 size = 0;
    u32 input = moc_get_input_buffer_id();
    unsigned char *data = moc_get_buffer_size(input) == 0 ? (unsigned char *)moc_alloc(1) : moc_read_buffer(input, &size);
    if (data == 0)
        return 1;

    u32 state[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    u32 whole = size - size % 64;
    for (u32 at = 0; at < whole; at += 64)
        compress(state, data + at);

    /* The tail, the 0x80 marker, zeros, and the length in bits (big-endian) in one or two final blocks. */
    unsigned char last[128];
    u32 rest = size - whole;
    for (u32 i = 0; i < 128; i++)
        last[i] = i < rest ? data[whole + i] : 0;
    last[rest] = 0x80;
    u32 blocks = rest < 56 ? 1 : 2;
    unsigned long long bits = (unsigned long long)size * 8;
    for (u32 i = 0; i < 8; i++)
        last[blocks * 64 - 1 - i] = (unsigned char)(bits >> (8 * i));
    for (u32 i = 0; i < blocks; i++)
        compress(state, last + 64 * i);

    static const char hex[] = "0123456789abcdef";
    char digest[64];
    for (u32 i = 0; i < 32; i++)
    {
        unsigned char byte = (unsigned char)(state[i / 4] >> (24 - 8 * (i % 4)));
        digest[2 * i] = hex[byte >> 4];
        digest[2 * i + 1] = hex[byte & 15];
    }

    u32 out = moc_get_output_buffer_id();
    moc_write_buffer_header(out, MOC_STR("content-type"), MOC_STR("text/plain; charset=utf-8"));
    moc_write_buffer(out, digest, 64);
    return 0;
}
