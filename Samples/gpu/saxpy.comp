#version 450
// y = a * x + y over n floats. Input: x then y (2n floats); output (x-output-bytes: 4n): the new y.
// Arguments: workgroups ceil(n / 64), 1, 1, then n and the bits of a (push constants are integers:
// pass BitConverter.SingleToInt32Bits(a), or struct.unpack('<i', struct.pack('<f', a))[0]).
layout(local_size_x = 64) in;
layout(set = 0, binding = 0) readonly buffer Input { float xy[]; };
layout(set = 0, binding = 1) writeonly buffer Output { float y[]; };
layout(push_constant) uniform Push { uint n; float a; };

void main() {
    uint i = gl_GlobalInvocationID.x;
    if (i < n) {
        y[i] = a * xy[i] + xy[n + i];
    }
}
