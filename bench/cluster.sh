#!/usr/bin/env bash
# bench/run --cluster: the hello function through the HTTPS gateway on PostgreSQL, 1 silo vs 3 silos (the gateway plus
# two workers, all on this machine). Writes the "Cluster mode" section of bench/RESULTS.md, leaving the rest as it is.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
duration="${BENCH_SECONDS:-10}"
work="$(mktemp -d)"
chmod 755 "$work" # PostgreSQL runs as the postgres user when we are root: it must reach its directory
results="bench/RESULTS.md"
port=19445
trap 'for d in "$work"/c*/; do scripts/cluster-up --down --dir "$d" >/dev/null 2>&1 || true; done; rm -rf "$work"' EXIT
Samples/build.sh "$work/samples" >/dev/null

# CPU seconds (user + system) used so far by each silo of cluster directory $1, as "n=seconds" words.
cpu_of() { for pid_file in "$1"/silo-*/pid; do
    local n; n="$(basename "$(dirname "$pid_file")")"
    awk -v n="${n#silo-}" -v t="$(cpu_ticks "$(cat "$pid_file")")" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%s=%.2f ", n, t / hz }'
  done; }
# Prints "<req/s> <p99> <per-silo CPU during the run, as a share of one core>" for the hello plug on a fresh cluster of $1 silos.
measure() {
  local dir="$work/c$1"
  scripts/cluster-up --silos "$1" --dir "$dir" --https-port "$port" >"$work/up-$1.log"
  local token; token="$(cat "$dir/silo-1/admin-token")"
  printf '{"name":"hello","content_type":"application/wasm","bytes":"%s"}' "$(base64 -w0 "$work/samples/hello.wasm")" >"$work/body.json"
  curl -skf -H "Authorization: Bearer $token" "https://127.0.0.1:$port/my-own-cluster/api/blob/register" -d @"$work/body.json" >/dev/null
  curl -skf -H "Authorization: Bearer $token" "https://127.0.0.1:$port/my-own-cluster/api/function/plug" \
    -d '{"method":"GET","path":"/hello","name":"hello"}' >/dev/null
  wrk -t2 -c16 -d3s "https://127.0.0.1:$port/hello" >/dev/null
  local before after
  before="$(cpu_of "$dir")"
  local result; result="$(wrk --latency -t2 -c64 -d"${duration}s" "https://127.0.0.1:$port/hello" 2>/dev/null |
    awk '/Requests\/sec/ {rps = $2} $1 == "99%" {p99 = $2} END {print rps, p99}')"
  after="$(cpu_of "$dir")"
  # Per silo: CPU seconds used during the run / run length = cores busy ("1:0.95,2:0.10,...").
  local shares; shares="$(awk -v b="$before" -v a="$after" -v d="$duration" 'BEGIN {
    n = split(b, bs, " "); split(a, as, " ")
    for (i = 1; i <= n; i++) { split(bs[i], x, "="); split(as[i], y, "="); printf "%s%s:%.2f", (i > 1 ? "," : ""), x[1], (y[2] - x[2]) / d }
  }')"
  echo "$result $shares"
  scripts/cluster-up --down --dir "$dir" >/dev/null
}

echo "cluster: 1 silo"; read -r one_rps one_p99 one_cpu < <(measure 1)
echo "cluster: 3 silos"; read -r three_rps three_p99 three_cpu < <(measure 3)

section="$work/section.md"
{
  echo "## Cluster mode (\`bench/run --cluster\`, PostgreSQL on loopback, wrk -c64 for ${duration}s on $(date -u +%Y-%m-%d))"
  echo
  echo "| silos | hello through the gateway (req/s) | p99 | CPU per silo during the run (cores; silo 1 is the gateway) |"
  echo "|---|---|---|---|"
  echo "| 1 (gateway) | $one_rps | $one_p99 | $(tr ',' ' ' <<<"$one_cpu") |"
  echo "| 3 (gateway + 2 workers) | $three_rps | $three_p99 | $(tr ',' ' ' <<<"$three_cpu") |"
  echo
  echo "Plug calls run on the gateway silo (the executor is a stateless worker, always local), so on one machine the"
  echo "workers add no throughput: they share its $(nproc) cores. Workers pay off for grains placed on them and on other machines."
  echo
} >"$section"
bench/replace-section "$results" "$section"
cat "$section"
