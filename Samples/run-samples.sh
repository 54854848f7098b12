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
for wasm in "$build"/wasi/*.wasm; do
    moc push "wasi-$(basename "$wasm" .wasm)" "$wasm"
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

step "posix mode: wasi-uppercase filters stdin to stdout"
expect "wasi-uppercase" "POSIX SHOUT" "$(moc call wasi-uppercase --posix --input 'posix shout')"

step "posix mode: wasi-api-io reads api://input and writes api://output"
expect "wasi-api-io" "input: via api files" "$(moc call wasi-api_io --posix --input 'via api files' | head -1)"

step "posix mode: wasi-counter keeps its count in its durable file tree"
first="$(moc call wasi-counter --posix)"
second="$(moc call wasi-counter --posix)"
expect "wasi-counter (second call)" "this function ran $(( $(grep -o "[0-9]*" <<<"$first") + 1 )) times" "$second"
moc fs ls wasi-counter

step "filter: acl guards /private/* (Bearer token or Basic user:password from the filter data)"
moc push acl "$build/filters/acl.wasm"
moc plug /private/hello hello
acl_id="$(moc filter add acl --filter-data 'sample-token ada:lovelace' --path '/private/*rest')"
expect "GET /private/hello without credentials" "401" "$(curl -sk -o /dev/null -w '%{http_code}' "$server/private/hello")"
expect "GET /private/hello with the token" "Hello from WebAssembly" "$(curl -sk --fail-with-body -H 'Authorization: Bearer sample-token' "$server/private/hello")"
expect "GET /private/hello as ada" "Hello from WebAssembly" "$(curl -sk --fail-with-body -u ada:lovelace "$server/private/hello")"
moc filter ls
moc filter rm "$acl_id"

if moc kvm-check; then
    step "KVM: native guests built with gcc"
    "$here/kvm/build.sh" "$build/kvm" >/dev/null
    moc push kvm-hello "$build/kvm/hello.elf"
    moc push kvm-uppercase "$build/kvm/uppercase.elf"
    expect "kvm-hello" "hello from kvm" "$(moc call kvm-hello)"
    expect "kvm-uppercase" "NATIVE" "$(moc call kvm-uppercase --input native)"
else
    echo "skipping the KVM samples: the server cannot run KVM guests (see moc kvm-check above)"
fi

step "JavaScript: push, call and plug the Samples/js scripts"
moc push js-hello "$here/js/hello.js"
moc push js-uppercase "$here/js/uppercase.js"
moc push js-visits "$here/js/visits.js"
expect "js-hello" "Hello from JavaScript" "$(moc call js-hello)"
expect "js-uppercase" "MAKE ME LOUD" "$(moc call js-uppercase --input 'make me loud')"
moc plug /js-visits js-visits
expect "GET /js-visits" '"method":"GET","path":"/js-visits"}' "$(curl -sk --fail-with-body "$server/js-visits" | grep -o '"method".*')"

step "list"
moc list

echo
echo "all samples ran"
