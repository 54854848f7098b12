/* A tour of WASI preview 1 through wasi-libc, for comparing Wasmtime with the micro-VM translation (WasmKvmPosixTests):
 * argv, environ, stdin, stdout, stderr, the exit code, and the function's file tree (open, read, write, seek, pread,
 * mkdir, rename, unlink, readdir, stat, symlink, readlink, errors). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int by_name(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void list(const char *path)
{
    DIR *dir = opendir(path);
    if (dir == NULL) {
        printf("opendir %s: errno %d\n", path, errno);
        return;
    }
    char *names[64];
    int count = 0;
    struct dirent *entry;
    while ((entry = readdir(dir)) != NULL && count < 64) {
        names[count++] = strdup(entry->d_name);
    }
    closedir(dir);
    qsort(names, count, sizeof names[0], by_name);
    printf("%s:", path);
    for (int i = 0; i < count; i++) {
        printf(" %s", names[i]);
        free(names[i]);
    }
    printf("\n");
}

int main(int argc, char **argv)
{
    for (int i = 0; i < argc; i++) {
        printf("argv[%d]=%s\n", i, argv[i]);
    }
    const char *greeting = getenv("GREETING");
    printf("GREETING=%s\n", greeting == NULL ? "(unset)" : greeting);

    char input[256];
    size_t n = fread(input, 1, sizeof input - 1, stdin);
    input[n] = 0;
    printf("stdin=%s\n", input);
    fprintf(stderr, "a line on stderr\n");

    int counter = 0;
    FILE *file = fopen("/counter", "r");
    if (file != NULL) {
        if (fscanf(file, "%d", &counter) != 1) {
            counter = -100;
        }
        fclose(file);
    }
    file = fopen("/counter", "w");
    fprintf(file, "%d", counter + 1);
    fclose(file);
    printf("run %d\n", counter + 1);

    printf("mkdir: %d\n", mkdir("/dir", 0755) == 0 ? 0 : errno);
    file = fopen("/dir/a.txt", "w");
    fputs("alpha beta", file);
    fclose(file);
    printf("rename: %d\n", rename("/dir/a.txt", "/dir/b.txt") == 0 ? 0 : errno);
    file = fopen("/dir/scratch", "w");
    fclose(file);
    printf("unlink: %d\n", unlink("/dir/scratch") == 0 ? 0 : errno);
    printf("unlink again: %d\n", unlink("/dir/scratch") == 0 ? 0 : errno);
    printf("rmdir non-empty: %d\n", rmdir("/dir") == 0 ? 0 : errno);

    struct stat info;
    printf("stat: %d size %lld dir %d\n", stat("/dir/b.txt", &info), (long long)info.st_size, S_ISDIR(info.st_mode));
    printf("stat missing: %d\n", stat("/nothing", &info) == 0 ? 0 : errno);

    int fd = open("/dir/b.txt", O_RDONLY);
    char bytes[16] = {0};
    lseek(fd, 6, SEEK_SET);
    printf("read after seek: %zd '%.4s'\n", read(fd, bytes, 4), bytes);
    memset(bytes, 0, sizeof bytes);
    printf("pread: %zd '%.5s'\n", pread(fd, bytes, 5, 0), bytes);
    printf("write to read-only: %d\n", write(fd, "x", 1) < 0 ? errno : 0);
    close(fd);

    printf("symlink: %d\n", symlink("b.txt", "/dir/link") == 0 ? 0 : errno);
    char target[64] = {0};
    printf("readlink: %zd '%s'\n", readlink("/dir/link", target, sizeof target - 1), target);
    printf("open missing: %d\n", open("/missing", O_RDONLY) < 0 ? errno : 0);
    printf("open outside: %d\n", open("/../outside", O_RDONLY) < 0 ? errno : 0);
    printf("create exclusive twice: %d\n", open("/dir/b.txt", O_WRONLY | O_CREAT | O_EXCL, 0644) < 0 ? errno : 0);

    file = fopen("/dir/appended", "a");
    fprintf(file, "run %d\n", counter + 1);
    fclose(file);
    list("/");
    list("/dir");

    struct timespec now;
    printf("clock: %d\n", clock_gettime(CLOCK_REALTIME, &now) == 0 && now.tv_sec > 1600000000);
    fflush(stdout);
    return argc > 2 ? 7 : 0;
}
