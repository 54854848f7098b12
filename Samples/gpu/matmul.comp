#version 450
// C = A x B for n x n row-major float matrices. Input: A then B (2n^2 floats); output (x-output-bytes: 4n^2): C.
// Arguments: workgroups ceil(n / 16), ceil(n / 16), 1, then n. 16 x 16 tiles of A and B go through shared memory.
layout(local_size_x = 16, local_size_y = 16) in;
layout(set = 0, binding = 0) readonly buffer Input { float ab[]; };
layout(set = 0, binding = 1) writeonly buffer Output { float c[]; };
layout(push_constant) uniform Push { uint n; };

shared float tileA[16][16];
shared float tileB[16][16];

void main() {
    uint row = gl_GlobalInvocationID.y;
    uint col = gl_GlobalInvocationID.x;
    uint ly = gl_LocalInvocationID.y;
    uint lx = gl_LocalInvocationID.x;
    uint b = n * n;
    float sum = 0.0;
    for (uint t = 0; t < n; t += 16) {
        tileA[ly][lx] = (row < n && t + lx < n) ? ab[row * n + t + lx] : 0.0;
        tileB[ly][lx] = (t + ly < n && col < n) ? ab[b + (t + ly) * n + col] : 0.0;
        barrier();
        for (uint k = 0; k < 16; k++) {
            sum += tileA[ly][k] * tileB[k][lx];
        }
        barrier();
    }
    if (row < n && col < n) {
        c[row * n + col] = sum;
    }
}
