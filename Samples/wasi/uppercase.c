/* uppercase: a classic POSIX filter, stdin -> stdout, run in posix mode. */
#include <ctype.h>
#include <stdio.h>

int main(void)
{
    int c;
    while ((c = getchar()) != EOF)
        putchar(toupper(c));
    return 0;
}
