/* api_io: reads the invocation's input buffer as the file api://input, and optionally a URL given as argv[1]
 * (read-only, through the platform's egress policy), and writes a report to api://output. */
#include <stdio.h>
#include <string.h>

static long copy(FILE *from, FILE *to)
{
    char buffer[4096];
    long total = 0;
    size_t n;
    while ((n = fread(buffer, 1, sizeof buffer, from)) > 0) {
        fwrite(buffer, 1, n, to);
        total += (long)n;
    }
    return total;
}

int main(int argc, char **argv)
{
    FILE *out = fopen("api://output", "w");
    FILE *in = fopen("api://input", "r");
    if (!out || !in) {
        perror("api:// files");
        return 1;
    }
    fputs("input: ", out);
    long n = copy(in, out);
    fprintf(out, "\n(%ld bytes)\n", n);
    if (argc > 1) {
        FILE *url = fopen(argv[1], "r");
        if (!url) {
            fprintf(out, "url %s: cannot open\n", argv[1]);
            perror(argv[1]);
            return 2;
        }
        fprintf(out, "url %s:\n", argv[1]);
        fprintf(out, "\n(%ld bytes)\n", copy(url, out));
        fclose(url);
    }
    fclose(in);
    fclose(out);
    return 0;
}
