#!/usr/bin/env python3
"""Runs GNU coreutils programs built for WASI in posix mode on a running silo and natively, on the same arguments,
stdin and files, and writes the comparison as a Markdown table (stdout and exit code must match; stderr is not compared,
its wording names the program the same way but paths and locale texts may differ).

    compare.py NATIVE_SRC_DIR WASI_SRC_DIR HTTPS_PORT OUTPUT.md
The admin token is MOC_ADMIN_TOKEN."""
import base64, json, os, ssl, subprocess, sys, tempfile, urllib.request

native_dir, wasi_dir, port, output = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
token = os.environ["MOC_ADMIN_TOKEN"]
context = ssl.create_default_context()
context.check_hostname = False
context.verify_mode = ssl.CERT_NONE

FILES = {
    "a.txt": "alpha\nbeta\ngamma\ndelta\nepsilon\n",
    "b.txt": "one\ttwo\nthree  four\nfive\n",
    "nums.txt": "10\n2\n33\n4\n-5\n",
    "dups.txt": "x\nx\ny\nz\nz\nz\n",
    "csv.txt": "name,qty\napple,3\npear,10\n",
    "s1.txt": "apple\nbanana\ncherry\n",
    "s2.txt": "banana\ncherry\ndate\n",
    "j1.txt": "1 one\n2 two\n3 three\n",
    "j2.txt": "1 uno\n3 tres\n",
    "deps.txt": "a b\nb c\nc d\n",
}

# program: [(arguments, stdin)]
CASES = {
    "echo": [(["hello", "world"], ""), (["-n", "no newline"], ""), (["-e", "tab\\there"], "")],
    "cat": [(["a.txt"], ""), (["-n", "a.txt", "b.txt"], ""), ([], "from stdin\n"), (["missing.txt"], "")],
    "head": [(["-n", "2", "a.txt"], ""), (["-c", "7"], "abcdefghij")],
    "tail": [(["-n", "2", "a.txt"], ""), (["-c", "4", "a.txt"], "")],
    "wc": [(["a.txt", "b.txt"], ""), (["-l"], "1\n2\n3\n")],
    "sort": [(["a.txt"], ""), (["-r", "-n", "nums.txt"], ""), (["-u", "dups.txt"], "")],
    "uniq": [(["-c", "dups.txt"], "")],
    "cut": [(["-d", ",", "-f", "2", "csv.txt"], ""), (["-c", "1-3", "a.txt"], "")],
    "tr": [(["a-z", "A-Z"], "shout this\n"), (["-d", "aeiou"], "vowels gone\n")],
    "base64": [(["a.txt"], ""), (["-d"], "aGVsbG8K\n")],
    "base32": [(["a.txt"], "")],
    "md5sum": [(["a.txt", "b.txt"], "")],
    "sha1sum": [(["a.txt"], "")],
    "sha256sum": [(["a.txt"], "")],
    "sha512sum": [(["a.txt"], "")],
    "b2sum": [(["a.txt"], "")],
    "cksum": [(["a.txt"], "")],
    "sum": [(["a.txt"], "")],
    "seq": [(["1", "3", "10"], ""), (["-w", "8", "11"], "")],
    "printf": [(["%s-%05d|%x\\n", "x", "42", "255"], "")],
    "expand": [(["b.txt"], "")],
    "unexpand": [(["-a"], "        eight\n")],
    "fold": [(["-w", "3", "a.txt"], "")],
    "fmt": [(["-w", "10", "a.txt"], "")],
    "nl": [(["a.txt"], "")],
    "od": [(["-c", "b.txt"], ""), (["-A", "x", "-t", "x1"], "hi\n")],
    "paste": [(["s1.txt", "s2.txt"], ""), (["-s", "-d", ",", "a.txt"], "")],
    "tac": [(["a.txt"], "")],
    "rev": [([], "abc\n")],
    "comm": [(["s1.txt", "s2.txt"], "")],
    "join": [(["j1.txt", "j2.txt"], "")],
    "tsort": [(["deps.txt"], "")],
    "factor": [(["360", "97"], "")],
    "numfmt": [(["--to=iec", "1048576"], "")],
    "expr": [(["6", "*", "7"], ""), (["length", "hello"], "")],
    "basename": [(["/x/y/z.txt", ".txt"], "")],
    "dirname": [(["/x/y/z.txt"], "")],
    "true": [([], "")],
    "false": [([], "")],
    "test": [(["-f", "a.txt"], ""), (["-d", "a.txt"], "")],
    "tee": [(["copy.txt"], "tee'd\n")],
    "ls": [([], ""), (["-1", "a.txt", "missing"], "")],
    "cp": [(["a.txt", "c.txt"], "")],
    "mv": [(["a.txt", "moved.txt"], "")],
    "rm": [(["a.txt"], ""), (["missing.txt"], "")],
    "mkdir": [(["-p", "d/e/f"], ""), (["a.txt"], "")],
    "rmdir": [(["a.txt"], "")],
    "touch": [(["new.txt"], "")],
    "ln": [(["-s", "a.txt", "link"], ""), (["a.txt", "hard"], "")],
    "link": [(["a.txt", "hard"], "")],
    "unlink": [(["a.txt"], "")],
    "truncate": [(["-s", "3", "a.txt"], "")],
    "split": [(["-l", "2", "a.txt"], "")],
    "csplit": [(["a.txt", "3"], "")],
    "pr": [(["-t", "-2", "a.txt"], "")],
    "ptx": [(["s1.txt"], "")],
    "shred": [(["-n", "1", "a.txt"], "")],
    "dd": [(["if=a.txt", "bs=1", "skip=2", "count=5", "status=none"], "")],
    "sleep": [(["0"], "")],
    "env": [([], "")],
    "printenv": [([], "")],
    "yes": [],
    "readlink": [(["a.txt"], "")],
    "realpath": [(["--relative-to=.", "a.txt"], "")],
    "du": [(["-s", "--apparent-size", "-b", "a.txt"], "")],
    "stat": [(["-c", "%s %F", "a.txt"], "")],
    "sync": [([], "")],
    "nproc": [([], "")],
    "pwd": [([], "")],
    "uname": [(["-s"], "")],
    "date": [(["-u", "-d", "@0", "+%Y-%m-%d %H:%M"], "")],
    "tty": [([], "")],
    "mktemp": [(["-u", "--tmpdir=.", "XXXX"], "")],
}


def api(method, route, body=None, raw=None):
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    request = urllib.request.Request(f"https://127.0.0.1:{port}/my-own-cluster/api/{route}", data=data, method=method,
                                     headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, context=context, timeout=120) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def reset_tree(function):
    for name in [entry["name"] for entry in json.loads(api("GET", f"function/{function}/fs/")[1] or b"[]")]:
        api("DELETE", f"function/{function}/fs/{name}")
    for name, content in FILES.items():
        api("PUT", f"function/{function}/fs/{name}", raw=content.encode())


def native(program, arguments, stdin):
    with tempfile.TemporaryDirectory() as directory:
        for name, content in FILES.items():
            with open(os.path.join(directory, name), "w") as file:
                file.write(content)
        run = subprocess.run([os.path.join(native_dir, program), *arguments], input=stdin.encode(), capture_output=True,
                             cwd=directory, env={"LC_ALL": "C"}, timeout=30)
        return run.returncode, run.stdout


def wasi(function, program, arguments, stdin):
    reset_tree(function)
    status, body = api("POST", "function/call", {"name": function, "mode": "posix", "program": program,
                                                 "posix_arguments": arguments, "env": {"LC_ALL": "C"},
                                                 "input": base64.b64encode(stdin.encode()).decode()})
    if status != 200:
        return None, json.loads(body).get("message", body.decode(errors="replace"))
    answer = json.loads(body)
    return answer["result"], base64.b64decode(answer["output"])


rows = []
for program, cases in sorted(CASES.items()):
    wasm = os.path.join(wasi_dir, program)
    if not os.path.exists(os.path.join(native_dir, program)):
        continue
    if not os.path.exists(wasm):
        rows.append((program, "no", "", "does not build with wasi-libc (see the build log)"))
        continue
    function = "cu-" + program
    status, body = api("POST", "blob/register", {"name": function, "content_type": "application/wasm",
                                                 "bytes": base64.b64encode(open(wasm, "rb").read()).decode()})
    if status != 200:
        rows.append((program, "yes", "", "refused at registration: " + json.loads(body).get("message", "")[:150]))
        continue
    if not cases:
        rows.append((program, "yes", "", "not run (its output never ends)"))
        continue
    passed, first_difference = 0, ""
    for arguments, stdin in cases:
        expected_code, expected_out = native(program, arguments, stdin)
        code, out = wasi(function, program, arguments, stdin)
        if code == expected_code and out == expected_out:
            passed += 1
        elif not first_difference:
            shown = " ".join(arguments) or "(no arguments)"
            if code is None:
                first_difference = f"`{shown}`: call failed: {out[:150]}"
            else:
                first_difference = (f"`{shown}`: exit {code} vs {expected_code}, stdout "
                                    f"{out[:60]!r} vs {expected_out[:60]!r}")
    rows.append((program, "yes", f"{passed}/{len(cases)}", first_difference.replace("|", "\\|")))

built = sum(1 for row in rows if row[1] == "yes")
passing = sum(1 for row in rows if row[2] and row[2].split("/")[0] == row[2].split("/")[1])
with open(output, "w") as file:
    file.write(f"{len(rows)} programs tried, {built} built for WASI, {passing} pass every case.\n\n")
    file.write("| Program | Builds for WASI | Cases passing | First difference (posix mode vs native) |\n")
    file.write("| --- | --- | --- | --- |\n")
    for row in rows:
        file.write("| " + " | ".join(row) + " |\n")
print(open(output).read())
