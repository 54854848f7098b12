using System.Text;
using MyOwnCluster.Execution;
using MyOwnCluster.Execution.Wasm.Wasi;

namespace MyOwnCluster.Tests.Wasi;

/// <summary>
/// Symbolic links, hard links, truncation and the compatibility preopens as a C program built with clang + wasi-libc
/// sees them (POSIX calls through wasi-libc, so the errno each answers is what a real program gets).
/// </summary>
public sealed class WasiLinkTests(WasiTestHost host) : IClassFixture<WasiTestHost>
{
    private const string Source = """
        #include <errno.h>
        #include <fcntl.h>
        #include <stdio.h>
        #include <string.h>
        #include <sys/stat.h>
        #include <unistd.h>
        #include <wasi/api.h>

        static const char *name(int e) {
            switch (e) {
            case EEXIST: return "EEXIST"; case EINVAL: return "EINVAL"; case ELOOP: return "ELOOP";
            case ENOTDIR: return "ENOTDIR"; case ENOTCAPABLE: return "ENOTCAPABLE"; case EPERM: return "EPERM";
            case ENOENT: return "ENOENT"; case EBADF: return "EBADF"; case EISDIR: return "EISDIR"; default: return strerror(e);
            }
        }

        static void check(const char *what, int result) { printf("%s: %s\n", what, result < 0 ? name(errno) : "ok"); }

        static void show(const char *path) {
            char buf[64] = {0};
            FILE *f = fopen(path, "r");
            if (!f) { printf("%s: %s\n", path, name(errno)); return; }
            fgets(buf, sizeof buf, f);
            fclose(f);
            printf("%s: '%s'\n", path, buf);
        }

        int main(void) {
            struct stat st, lst;
            char buf[64] = {0};
            mkdir("dir", 0755);
            FILE *f = fopen("dir/file", "w");
            fputs("hello", f);
            fclose(f);

            check("symlink", symlink("dir/file", "link"));
            check("symlink over existing", symlink("x", "link"));
            ssize_t n = readlink("link", buf, sizeof buf - 1);
            printf("readlink: %zd %s\n", n, buf);
            n = readlink("link", buf, 3);
            printf("readlink short: %zd %.3s\n", n, buf);
            check("readlink of a file", readlink("dir/file", buf, sizeof buf));
            stat("link", &st);
            lstat("link", &lst);
            printf("stat: %s %lld, lstat: %s %lld\n", S_ISREG(st.st_mode) ? "file" : "?", (long long)st.st_size,
                   S_ISLNK(lst.st_mode) ? "symlink" : "?", (long long)lst.st_size);
            show("link");
            check("open O_NOFOLLOW", open("link", O_RDONLY | O_NOFOLLOW));
            check("stat link/", stat("link/", &st));
            check("symlink dirlink", symlink("dir/", "dirlink"));
            show("dirlink/file");
            show("dirlink/../dir/file");
            check("rmdir dirlink/", rmdir("dirlink/"));
            check("loop a->b", symlink("b", "a"));
            check("loop b->a", symlink("a", "b"));
            check("open loop", open("a", O_RDONLY));
            check("lstat loop", lstat("a", &lst));
            check("symlink up", symlink("../outside", "up"));
            check("open up", open("up", O_RDONLY));
            check("symlink absolute", symlink("/dir/file", "abs"));
            check("open absolute", open("abs", O_RDONLY));
            check("symlink dangling", symlink("made", "dangling"));
            int fd = open("dangling", O_WRONLY | O_CREAT, 0644);
            check("create through link", fd);
            close(fd);
            check("O_EXCL on link", open("link", O_WRONLY | O_CREAT | O_EXCL, 0644));
            check("stat made", stat("made", &st));
            check("unlink link", unlink("link"));
            check("target kept", stat("dir/file", &st));

            check("link", link("dir/file", "hard"));
            stat("hard", &st);
            printf("nlink: %d\n", (int)st.st_nlink);
            f = fopen("hard", "a");
            fputs(" world", f);
            fclose(f);
            show("dir/file");
            check("link a directory", link("dir", "dirhard"));
            check("link over existing", link("dir/file", "hard"));
            check("rename onto own link", rename("hard", "dir/file"));
            check("unlink first name", unlink("dir/file"));
            stat("hard", &st);
            printf("after unlink: nlink %d size %lld\n", (int)st.st_nlink, (long long)st.st_size);
            show("hard");

            fd = open("hard", O_RDONLY);
            check("ftruncate read-only", ftruncate(fd, 0));
            close(fd);
            check("truncate", truncate("hard", 3));
            show("hard");
            fd = open("hard", O_WRONLY | O_TRUNC);
            close(fd);
            stat("hard", &st);
            printf("O_TRUNC: size %lld\n", (long long)st.st_size);

            for (int pre = 3; pre <= 6; pre++) {
                __wasi_prestat_t prestat;
                char dir[16] = {0};
                if (__wasi_fd_prestat_get(pre, &prestat) != 0) { printf("preopen %d: none\n", pre); continue; }
                __wasi_fd_prestat_dir_name(pre, (uint8_t *)dir, prestat.u.dir.pr_name_len);
                printf("preopen %d: %s\n", pre, dir);
            }
            // What a 2020 wasi-libc does with fopen("api://input"): the relative path goes to the preopen named "./".
            __wasi_fd_t input;
            __wasi_errno_t err = __wasi_path_open(4, 0, "api://input", 0, __WASI_RIGHTS_FD_READ, 0, 0, &input);
            n = err == 0 ? read(input, buf, sizeof buf - 1) : -1;
            printf("api://input through ./: %s '%.*s'\n", err == 0 ? "ok" : "failed", (int)(n < 0 ? 0 : n), buf);
            return 0;
        }
        """;

    private const string Expected = """
        symlink: ok
        symlink over existing: EEXIST
        readlink: 8 dir/file
        readlink short: 3 dir
        readlink of a file: EINVAL
        stat: file 5, lstat: symlink 8
        link: 'hello'
        open O_NOFOLLOW: ELOOP
        stat link/: ENOTDIR
        symlink dirlink: ok
        dirlink/file: 'hello'
        dirlink/../dir/file: 'hello'
        rmdir dirlink/: ENOTDIR
        loop a->b: ok
        loop b->a: ok
        open loop: ELOOP
        lstat loop: ok
        symlink up: ok
        open up: ENOTCAPABLE
        symlink absolute: ok
        open absolute: ENOTCAPABLE
        symlink dangling: ok
        create through link: ok
        O_EXCL on link: EEXIST
        stat made: ok
        unlink link: ok
        target kept: ok
        link: ok
        nlink: 2
        dir/file: 'hello world'
        link a directory: EPERM
        link over existing: EEXIST
        rename onto own link: ok
        unlink first name: ok
        after unlink: nlink 1 size 11
        hard: 'hello world'
        ftruncate read-only: EBADF
        truncate: ok
        hard: 'hel'
        O_TRUNC: size 0
        preopen 3: /
        preopen 4: ./
        preopen 5: ../
        preopen 6: none
        api://input through ./: ok 'from input'
        """;

    [ClangFact]
    public async Task Links_truncation_and_compatibility_preopens_behave_as_posix_says()
    {
        var result = await host.RunPosixAsync("links", LegacyC.Compile(Source), stdin: "from input"u8.ToArray());

        Assert.True(result.Outcome == InvocationOutcome.Ok, result.Error + Encoding.UTF8.GetString(result.Stderr));
        Assert.Equal(Expected.ReplaceLineEndings("\n") + "\n", Encoding.UTF8.GetString(result.Output.Body));
        var tree = host.Tree("links")!;
        Assert.Equal((0L, 1), (tree.Find("hard")!.Size, ((VfsFile)tree.Find("hard")!).LinkCount));
        Assert.Null(tree.Find("dir/file"));
        Assert.Equal("made", Assert.IsType<VfsSymlink>(tree.Root.Children["dangling"]).Target);
        Assert.Same(tree.Find("made"), tree.Find("dangling"));
    }
}
