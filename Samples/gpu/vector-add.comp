#version 450
// c = a + b over n floats. Input: a then b (2n floats); output (x-output-bytes: 4n): c.
// Arguments: workgroups ceil(n / 64), 1, 1, then n as a push constant.
layout(local_size_x = 64) in;
layout(set = 0, binding = 0) readonly buffer Input { float ab[]; };
layout(set = 0, binding = 1) writeonly buffer Output { float c[]; };
layout(push_constant) uniform Push { uint n; };

void main() {
    uint i = gl_GlobalInvocationID.x;
    if (i < n) {
        c[i] = ab[i] + ab[n + i];
    }
}
