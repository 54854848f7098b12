/* counter: keeps a count in a durable file of the function's own tree (/count), across calls and restarts. */
#include <stdio.h>

int main(void)
{
    long count = 0;
    FILE *f = fopen("/count", "r");
    if (f) {
        if (fscanf(f, "%ld", &count) != 1)
            count = 0;
        fclose(f);
    }
    count++;
    f = fopen("/count", "w");
    if (!f) {
        perror("cannot write /count");
        return 1;
    }
    fprintf(f, "%ld\n", count);
    fclose(f);
    printf("this function ran %ld times\n", count);
    return 0;
}
