#include "moc_guest.h"

/* Sum of i*i mod m for i < n: a pure compute loop. */
long sum_squares(long n, long m)
{
    long total = 0;
    for (long i = 0; i < n; i++) {
        total = (total + i * i) % m;
    }
    return total;
}

/* Iterative Fibonacci, modulo 2^31 - 1 to stay in an int result. */
int fib(int n)
{
    long a = 0, b = 1;
    for (int i = 0; i < n; i++) {
        long next = (a + b) % 2147483647;
        a = b;
        b = next;
    }
    return (int)a;
}

/* Entry point: adds its six arguments (checks the System V argument registers). */
long add6(long a, long b, long c, long d, long e, long f)
{
    return a + b + c + d + e + f;
}
