#!/usr/bin/env bash
# JavaScript side by side over HTTPS with wrk: workerd (npm @cloudflare/workerd-linux-64, installed into a temp dir),
# MyOwnCluster (a Workers-style module on V8, pooled context and js_fresh_context) and the raw Kestrel floor, in one run.
#   bench/js-v8.sh          results into bench/RESULTS.md (section "JavaScript on V8")
# Workloads: a JS hello at 32 connections; fib(22) computed per request at 1 connection.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
root="$(pwd)"
duration="${BENCH_SECONDS:-10}"
work="$(mktemp -d)"
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
trap 'kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work" || true' EXIT
for tool in wrk curl npm openssl; do
  command -v "$tool" >/dev/null || { echo "bench/js-v8.sh needs $tool (apt-get install wrk curl npm openssl)"; exit 2; }
done

dotnet build Silo -c Release -nologo -clp:ErrorsOnly >/dev/null
dotnet build bench/RawKestrel -c Release -nologo -clp:ErrorsOnly >/dev/null
npm install --silent --prefix "$work/npm" @cloudflare/workerd-linux-64 >/dev/null
workerd="$work/npm/node_modules/@cloudflare/workerd-linux-64/bin/workerd"
workerd_version=$("$workerd" --version 2>/dev/null || echo unknown)

# One worker for both runtimes: the same source runs unchanged on workerd and on MyOwnCluster.
cat >"$work/worker.js" <<'JS'
const fib = (n) => (n < 2 ? n : fib(n - 1) + fib(n - 2));
export default {
  async fetch(request) {
    const { pathname } = new URL(request.url);
    if (pathname === '/fib') return new Response(String(fib(22)), { headers: { 'content-type': 'text/plain' } });
    return new Response('Hello from JavaScript', { headers: { 'content-type': 'text/plain' } });
  },
};
JS

export MOC_ADMIN_TOKEN=bench-admin-token-0123456789abcdef
silo --data "$work/data" --https-port 19543 --silo-port 19511 --gateway-port 19510 >"$work/silo.log" 2>&1 &
healthy 19543
api() { curl -skf -H "Authorization: Bearer $MOC_ADMIN_TOKEN" "https://127.0.0.1:19543/my-own-cluster/api/$1" -d "$2" >/dev/null; }
source64=$(base64 -w0 "$work/worker.js")
api blob/register "{\"name\":\"js-worker\",\"content_type\":\"text/javascript\",\"bytes\":\"$source64\"}"
api blob/register "{\"name\":\"js-worker-fresh\",\"content_type\":\"text/javascript\",\"bytes\":\"$source64\",\"js_fresh_context\":true}"
api function/plug '{"method":"GET","path":"/js-hello","name":"js-worker","start_function":"fetch"}'
api function/plug '{"method":"GET","path":"/fib","name":"js-worker","start_function":"fetch"}'
api function/plug '{"method":"GET","path":"/fresh/js-hello","name":"js-worker-fresh","start_function":"fetch"}'
api function/plug '{"method":"GET","path":"/fresh/fib","name":"js-worker-fresh","start_function":"fetch"}'

# The floor, and workerd, with the silo's certificate.
dotnet bench/RawKestrel/bin/Release/net10.0/RawKestrel.dll 19544 "$work/data/tls/cert.pfx" >"$work/raw.log" 2>&1 &
openssl pkcs12 -in "$work/data/tls/cert.pfx" -passin pass: -nocerts -nodes -out "$work/key.pem" 2>/dev/null
openssl pkcs12 -in "$work/data/tls/cert.pfx" -passin pass: -clcerts -nokeys -out "$work/cert.pem" 2>/dev/null
cat >"$work/config.capnp" <<'CAPNP'
using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [ (name = "main", worker = .worker) ],
  sockets = [ (name = "https", address = "127.0.0.1:19545", service = "main",
    https = (tlsOptions = (keypair = (privateKey = embed "key.pem", certificateChain = embed "cert.pem")))) ],
);
const worker :Workerd.Worker = (
  modules = [ (name = "worker", esModule = embed "worker.js") ],
  compatibilityDate = "2024-09-23",
);
CAPNP
(cd "$work" && exec "$workerd" serve config.capnp >"$work/workerd.log" 2>&1) &
until curl -skf https://127.0.0.1:19544/hello >/dev/null 2>&1; do sleep 0.5; done
until curl -skf https://127.0.0.1:19545/js-hello >/dev/null 2>&1; do sleep 0.5; done
[ "$(curl -sk https://127.0.0.1:19543/fib)" = "$(curl -sk https://127.0.0.1:19545/fib)" ] || { echo "fib differs"; exit 1; }

rps() { wrk "$@" 2>/dev/null | awk '/Requests\/sec/ {print $2}'; }
p50() { wrk --latency "$@" 2>/dev/null | awk '$1 == "50%" {print $2}' | while read -r v; do to_us "$v"; done; }
echo "warming up (10 s each)"
for url in https://127.0.0.1:19543/js-hello https://127.0.0.1:19543/fib https://127.0.0.1:19545/js-hello https://127.0.0.1:19544/hello; do
  wrk -t2 -c32 -d10s "$url" >/dev/null
done
echo "JS hello, 32 connections"
hello_workerd=$(rps -t2 -c32 -d"${duration}s" https://127.0.0.1:19545/js-hello)
hello_moc=$(rps -t2 -c32 -d"${duration}s" https://127.0.0.1:19543/js-hello)
hello_fresh=$(rps -t2 -c32 -d"${duration}s" https://127.0.0.1:19543/fresh/js-hello)
hello_raw=$(rps -t2 -c32 -d"${duration}s" https://127.0.0.1:19544/hello)
echo "fib(22), 1 connection"
fib_workerd=$(rps -t1 -c1 -d"${duration}s" https://127.0.0.1:19545/fib)
fib_moc=$(rps -t1 -c1 -d"${duration}s" https://127.0.0.1:19543/fib)
fib_fresh=$(rps -t1 -c1 -d"${duration}s" https://127.0.0.1:19543/fresh/fib)
fib_workerd_p50=$(p50 -t1 -c1 -d"${duration}s" https://127.0.0.1:19545/fib)
fib_moc_p50=$(p50 -t1 -c1 -d"${duration}s" https://127.0.0.1:19543/fib)

# The first call of a new 100 KB script (registered, never called): the time from the request sent over an open TLS
# connection to its answer, against a warm call of the same script. Five scripts, each new; the median.
script100k() { # $1: the file number, $2: a marker that makes the script new
  { echo "// script $2"
    for i in $(seq 1 1100); do echo "const table$i = [$i, $((i * 7 % 13)), 'entry number $i of the lookup table'];"; done
    for i in $(seq 1 400); do echo "function helper$i(x) { return x * $i + table$i[0] + table$i[1]; }"; done
    echo "export default { async fetch(request) { return new Response(String(helper1(1) + helper400(2))); } };"
  } >"$work/big-$1.js"
}
after_tls() { curl -sk -o /dev/null -w '%{time_appconnect} %{time_total}\n' "$1" | awk '{ printf "%.1f", ($2 - $1) * 1000 }'; }
first_calls=(); warm_calls=()
for n in 1 2 3 4 5; do
  script100k "$n" "$RANDOM-$(date +%s%N)"
  printf '{"name":"big%s","content_type":"text/javascript","bytes":"%s"}' "$n" "$(base64 -w0 "$work/big-$n.js")" >"$work/big.json"
  api blob/register "@$work/big.json"
  api function/plug "{\"method\":\"GET\",\"path\":\"/big$n\",\"name\":\"big$n\",\"start_function\":\"fetch\"}"
  sleep 1
  first_calls+=("$(after_tls https://127.0.0.1:19543/big$n)")
  warm_calls+=("$(after_tls https://127.0.0.1:19543/big$n)")
done
big_bytes=$(stat -c %s "$work/big-1.js")
median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
first_call=$(median "${first_calls[@]}"); warm_call=$(median "${warm_calls[@]}")

# Idle functions: 100 small workers registered and called once each; the silo's RSS before, just after (their isolates
# alive), and once the idle isolates have been disposed (35 s later).
rss_kib() { awk '/VmRSS/ { print $2 }' "/proc/$1/status"; }
silo_pid=$(pgrep -f "MyOwnCluster.Silo.dll.*--https-port 19543" | head -1)
idle_count=100
sleep 10
rss_before=$(rss_kib "$silo_pid")
for n in $(seq 1 $idle_count); do
  printf 'export default { async fetch() { return new Response("idle %s"); } };\n' "$n" >"$work/idle.js"
  api blob/register "{\"name\":\"idle$n\",\"content_type\":\"text/javascript\",\"bytes\":\"$(base64 -w0 "$work/idle.js")\"}"
  api function/plug "{\"method\":\"GET\",\"path\":\"/idle$n\",\"name\":\"idle$n\",\"start_function\":\"fetch\"}"
  curl -skf "https://127.0.0.1:19543/idle$n" >/dev/null
done
rss_called=$(rss_kib "$silo_pid")
sleep 65
rss_idle=$(rss_kib "$silo_pid")
per_function() { awk -v a="$1" -v b="$2" -v n="$idle_count" 'BEGIN { printf "%.2f", (b - a) / 1024 / n }'; }
idle_alive=$(per_function "$rss_before" "$rss_called"); idle_trimmed=$(per_function "$rss_before" "$rss_idle")

section="$work/section.md"
cat >"$section" <<MD
## JavaScript on V8 (bench/js-v8.sh)

$(date -u +%Y-%m-%d), $(nproc) cores, load average before the run: $load_before; wrk over HTTPS on loopback, ${duration} s a run
after 10 s of warm-up; the same worker source on both runtimes ($workerd_version, npm @cloudflare/workerd-linux-64). MyOwnCluster runs it
as a Workers-style module plugged with start function \`fetch\` (pooled context), and once more registered with
\`js_fresh_context\` (a new V8 context and module evaluation per request).

| workload | workerd | MyOwnCluster (pooled) | × workerd | MyOwnCluster (js_fresh_context) | raw Kestrel floor |
|---|---|---|---|---|---|
| JS hello, 32 connections (req/s) | $hello_workerd | $hello_moc | $(ratio "$hello_moc" "$hello_workerd") | $hello_fresh | $hello_raw |
| fib(22) per request, 1 connection (req/s) | $fib_workerd | $fib_moc | $(ratio "$fib_moc" "$fib_workerd") | $fib_fresh | |
| fib(22), 1 connection, p50 (µs) | $fib_workerd_p50 | $fib_moc_p50 | | | |

| MyOwnCluster alone | measured | floor in the same run | goal |
|---|---|---|---|
| first call of a new ${big_bytes}-byte script, after TLS (median of 5, ms) | $first_call (all: ${first_calls[*]}) | warm call of the same: $warm_call | ≤ 20 |
| silo RSS per idle JS function, isolates alive ($idle_count functions called once, MiB) | $idle_alive | | |
| silo RSS per idle JS function, 65 s later, idle isolates disposed (MiB) | $idle_trimmed | | ≤ 1 |
MD
cat "$section"
bench/replace-section "$root/bench/RESULTS.md" "$section"
