#version 450
// A 256-bin luminance histogram of an RGBA8 image. Input: the pixels, 4 bytes each (R, G, B, A);
// output (x-output-bytes: 1024): 256 unsigned counts, bin = (77 R + 150 G + 29 B) >> 8.
// Arguments: any number of workgroups (say 16), 1, 1: each counts a strided share of the pixels in
// shared memory, then adds its counts to the output atomically.
layout(local_size_x = 256) in;
layout(set = 0, binding = 0) readonly buffer Image { uint pixels[]; };
layout(set = 0, binding = 1) buffer Histogram { uint bins[256]; };

shared uint counts[256];

void main() {
    uint local = gl_LocalInvocationID.x;
    counts[local] = 0;
    barrier();
    uint stride = gl_NumWorkGroups.x * gl_WorkGroupSize.x;
    for (uint i = gl_GlobalInvocationID.x; i < uint(pixels.length()); i += stride) {
        uint p = pixels[i];
        uint luma = ((p & 255u) * 77u + ((p >> 8) & 255u) * 150u + ((p >> 16) & 255u) * 29u) >> 8;
        atomicAdd(counts[luma], 1u);
    }
    barrier();
    atomicAdd(bins[local], counts[local]);
}
