#!/usr/bin/env bash
# Builds the samples, then pushes, calls and plugs them on a running server with the moc CLI.
# Server and token: MOC_SERVER / MOC_ADMIN_TOKEN / MOC_DATA, as for moc (defaults: https://localhost:8443, ./data).
# Exits non-zero on the first failure.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
build="$here/build"
server="${MOC_SERVER:-https://localhost:8443}"
# Resolve ./data against where the user ran us, before we change directory.
export MOC_DATA="$(realpath -m "${MOC_DATA:-data}")"

"$here/build.sh" "$build"

echo "== building the CLI"
dotnet build "$root/Cli" --nologo -v quiet >/dev/null
moc() { dotnet run --no-build --project "$root/Cli" -- "$@"; }

step() { echo; echo "== $*"; }
expect() { # expect DESCRIPTION EXPECTED ACTUAL
    if [[ "$3" != "$2" ]]; then
        echo "FAIL: $1: expected '$2', got '$3'" >&2
        exit 1
    fi
    echo "ok: $1 -> $3"
}

step "server $server"
moc version

step "push the samples"
for wasm in "$build"/*.wasm; do
    moc push "$(basename "$wasm" .wasm)" "$wasm"
done

step "call hello"
expect "hello" "Hello from WebAssembly" "$(moc call hello)"

step "call echo --input 'ping pong'"
expect "echo" "ping pong" "$(moc call echo --input 'ping pong')"

step "call add --start add 2 40 (direct mode: the result is the return value)"
expect "add" "result: 42" "$(moc call add --start add --verbose 2 40 2>&1 >/dev/null | grep '^result:')"

step "call uppercase --input 'make me loud'"
expect "uppercase" "MAKE ME LOUD" "$(moc call uppercase --input 'make me loud')"

step "call greet --input Ada"
expect "greet" "Hello, Ada!" "$(moc call greet --input Ada)"

step "plug GET /hello -> hello, then curl it"
moc plug /hello hello
expect "GET /hello" "Hello from WebAssembly" "$(curl -sk --fail-with-body "$server/hello")"

step "plug POST /greet -> greet, then curl it"
moc plug --method POST /greet greet
expect "POST /greet" "Hello, curl!" "$(curl -sk --fail-with-body -X POST --data-binary curl "$server/greet")"

step "list"
moc list

echo
echo "all samples ran"
