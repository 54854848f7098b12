#version 450
// The sum of 32-bit integers. Input: the integers; output (x-output-bytes: 4): their sum (wrapping).
// Arguments: workgroups ceil(count / 256), 1, 1. Each workgroup adds its 256 values in shared memory,
// then adds its partial sum to the output atomically.
layout(local_size_x = 256) in;
layout(set = 0, binding = 0) readonly buffer Input { int values[]; };
layout(set = 0, binding = 1) buffer Output { int total; };

shared int partial[256];

void main() {
    uint i = gl_GlobalInvocationID.x;
    uint local = gl_LocalInvocationID.x;
    partial[local] = i < uint(values.length()) ? values[i] : 0;
    barrier();
    for (uint stride = 128; stride > 0; stride >>= 1) {
        if (local < stride) {
            partial[local] += partial[local + stride];
        }
        barrier();
    }
    if (local == 0) {
        atomicAdd(total, partial[0]);
    }
}
