/* The guest runtime's libm (see moc_wasm_rt.h): what wasm2c's float code calls, with no libc in a micro-VM. */
#include <stdint.h>

/* libm's sign and rounding functions, which wasm2c calls for f32/f64 abs, copysign, floor, ceil, trunc and nearest:
 * with -ffreestanding gcc may turn its own builtins back into these calls, so they work on the bits. Below 2^52
 * (2^23 for floats) a value fits an integer conversion; above it every value is already integral. NaNs never reach
 * the rounding functions: wasm2c quiets them first. */
#define TWO52 4503599627370496.0
#define TWO23 8388608.0f

union moc_f64 {
    double value;
    uint64_t bits;
};

union moc_f32 {
    float value;
    uint32_t bits;
};

double copysign(double x, double y)
{
    union moc_f64 a = {x}, b = {y};
    a.bits = (a.bits & ~(1ull << 63)) | (b.bits & (1ull << 63));
    return a.value;
}

float copysignf(float x, float y)
{
    union moc_f32 a = {x}, b = {y};
    a.bits = (a.bits & ~(1u << 31)) | (b.bits & (1u << 31));
    return a.value;
}

double fabs(double x) { return copysign(x, 0.0); }
float fabsf(float x) { return copysignf(x, 0.0f); }

double trunc(double x) { return fabs(x) < TWO52 ? copysign((double)(int64_t)x, x) : x; }
float truncf(float x) { return fabsf(x) < TWO23 ? copysignf((float)(int32_t)x, x) : x; }

double floor(double x)
{
    double t = trunc(x);
    return t > x ? t - 1.0 : t;
}

float floorf(float x)
{
    float t = truncf(x);
    return t > x ? t - 1.0f : t;
}

double ceil(double x)
{
    double t = trunc(x);
    return t < x ? t + 1.0 : t;
}

float ceilf(float x)
{
    float t = truncf(x);
    return t < x ? t + 1.0f : t;
}

/* Round half to even, the default rounding mode: adding and removing 2^52 leaves the nearest integer. */
double nearbyint(double x)
{
    volatile double y = fabs(x);
    if (y >= TWO52) {
        return x;
    }
    y = y + TWO52;
    y = y - TWO52;
    return copysign(y, x);
}

float nearbyintf(float x)
{
    volatile float y = fabsf(x);
    if (y >= TWO23) {
        return x;
    }
    y = y + TWO23;
    y = y - TWO23;
    return copysignf(y, x);
}

double rint(double x) { return nearbyint(x); }
float rintf(float x) { return nearbyintf(x); }

double sqrt(double x)
{
    __asm__("sqrtsd %1, %0" : "=x"(x) : "x"(x));
    return x;
}

float sqrtf(float x)
{
    __asm__("sqrtss %1, %0" : "=x"(x) : "x"(x));
    return x;
}
