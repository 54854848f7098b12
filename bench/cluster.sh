#!/usr/bin/env bash
# bench/run --cluster: on PostgreSQL, all on this machine, writing the "Cluster mode" section of bench/RESULTS.md:
#  - the hello function through the HTTPS gateway, 1 silo vs 3 silos (the gateway plus two workers);
#  - a CPU-bound function (~10 ms a call) with each silo pinned to a core of its own (taskset): the gateway alone vs
#    the gateway plus one worker, with the calls each silo ran and the store transactions per warm call (PostgreSQL's
#    xact counters over the run, less those of an idle window as long);
#  - 16 MiB bodies echoed by a Wasm function on a worker (the gateway offers only JavaScript): latency and each silo's
#    peak memory, streamed in 1 MiB chunks (Cluster:StreamAboveBytes, the default) vs in one message each way.
# BENCH_PARTS="cpu hello large" (the default: all) picks what to run; each writes its own section. Every row carries the
# 1-minute load average at its end: on a machine shared with other work the figures are only comparable within a row.
# Fixed ports: HTTPS 19740, silo ports 19741-19743, Orleans gateway ports 19751-19753 (scripts/cluster-up --ports).
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
duration="${BENCH_SECONDS:-10}"
work="$(mktemp -d)"
chmod 755 "$work" # PostgreSQL runs as the postgres user when we are root: it must reach its directory
results="bench/RESULTS.md"
port=19740
parts="${BENCH_PARTS:-cpu hello large}"
load() { cut -d' ' -f1 /proc/loadavg; }
up() { scripts/cluster-up --ports "$port" --https-port "$port" "$@"; }
# On failure, the end of each silo's log says why before the directory goes.
trap 'status=$?; for d in "$work"/*/; do
  [ "$status" -eq 0 ] || for log in "$d"silo-*/silo.log; do [ -f "$log" ] && { echo "== $log"; tail -20 "$log"; }; done
  [ -d "$d/pg" ] && { scripts/cluster-up --down --dir "$d" >/dev/null 2>&1 || true; }
done; rm -rf "$work"' EXIT
Samples/build.sh "$work/samples" >/dev/null

# CPU seconds (user + system) used so far by each silo of cluster directory $1, as "n=seconds" words.
cpu_of() { for pid_file in "$1"/silo-*/pid; do
    local n; n="$(basename "$(dirname "$pid_file")")"
    awk -v n="${n#silo-}" -v t="$(cpu_ticks "$(cat "$pid_file")")" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%s=%.2f ", n, t / hz }'
  done; }
# Prints "<req/s> <p99> <per-silo CPU during the run, as a share of one core>" for the hello plug on a fresh cluster of $1 silos.
measure() {
  local dir="$work/c$1"
  up --silos "$1" --dir "$dir" >"$work/up-$1.log"
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
  echo "$result $shares $(load)"
  scripts/cluster-up --down --dir "$dir" >/dev/null
}

# A CPU-bound guest: ~10 ms of arithmetic a call on this machine (BENCH_SPIN_LOOPS iterations).
cat >"$work/spin.wat" <<WAT
(module
  (memory (export "memory") 1)
  (func (export "_start") (result i32)
    (local \$i i32) (local \$x i32)
    (loop \$l
      (local.set \$x (i32.add (local.get \$x) (i32.mul (local.get \$i) (i32.const 31))))
      (local.set \$i (i32.add (local.get \$i) (i32.const 1)))
      (br_if \$l (i32.lt_u (local.get \$i) (i32.const ${BENCH_SPIN_LOOPS:-11000000}))))
    (i32.and (local.get \$x) (i32.const 0))))
WAT
wat2wasm -o "$work/spin.wasm" "$work/spin.wat"

# Store transactions so far in the cluster of directory $1 (every database of its PostgreSQL).
store_xacts() { psql -h 127.0.0.1 -p "$(sed -n 4p "$1/pg/data/postmaster.pid")" -U postgres -qtA \
  -c "SELECT sum(xact_commit + xact_rollback) FROM pg_stat_database"; }
# Prints "<req/s> <p50> <calls per silo> <store transactions per call>" for the spin plug on $1 pinned silos, 8 connections.
measure_cpu() {
  local dir="$work/p$1"
  up --silos "$1" --pin --dir "$dir" >"$work/up-p$1.log"
  local token; token="$(cat "$dir/silo-1/admin-token")"
  printf '{"name":"spin","content_type":"application/wasm","bytes":"%s"}' "$(base64 -w0 "$work/spin.wasm")" >"$work/body.json"
  curl -skf -H "Authorization: Bearer $token" "https://127.0.0.1:$port/my-own-cluster/api/blob/register" -d @"$work/body.json" >/dev/null
  curl -skf -H "Authorization: Bearer $token" "https://127.0.0.1:$port/my-own-cluster/api/function/plug" \
    -d '{"method":"GET","path":"/spin","name":"spin"}' >/dev/null
  wrk -t1 -c8 -d5s "https://127.0.0.1:$port/spin" >/dev/null
  local idle0 idle1 run0 run1 result calls
  idle0="$(store_xacts "$dir")"; sleep "$duration"; idle1="$(store_xacts "$dir")"
  run0="$(store_xacts "$dir")"
  result="$(wrk --latency -t1 -c8 -d"${duration}s" "https://127.0.0.1:$port/spin" 2>/dev/null |
    awk '/Requests\/sec/ {rps = $2} $1 == "50%" {p50 = $2} /requests in/ {n = $1} END {print rps, p50, n}')"
  run1="$(store_xacts "$dir")"
  calls="$(curl -skf -H "Authorization: Bearer $token" "https://127.0.0.1:$port/my-own-cluster/api/status" |
    python3 -c 'import json,sys; print(",".join("%s:%s" % (s["name"], (s.get("execution") or {}).get("executions")) for s in json.load(sys.stdin)["silos"]))')"
  read -r rps p50 n <<<"$result"
  echo "$rps $p50 $calls $(awk -v r=$((run1 - run0)) -v i=$((idle1 - idle0)) -v n="$n" 'BEGIN { printf "%.3f", (r - i) / n }') $(load)"
  scripts/cluster-up --down --dir "$dir" >/dev/null
}

# 16 MiB bodies through a plugged Wasm echo that runs on the worker (the gateway offers only JavaScript), streamed when
# larger than $1 bytes (Cluster:StreamAboveBytes on both silos). Prints "<median ms, one at a time> <ms for 16 at 4
# concurrently> <gateway peak RSS MiB> <worker peak RSS MiB> <load>".
measure_large() {
  local dir="$work/l$1"
  # A 60 s deadline: on a loaded machine 16 MiB each way can take longer than the default 5 s.
  Cluster__StreamAboveBytes="$1" Limits__CallTimeoutMs=60000 up --silos 2 --dir "$dir" --gateway-env Cluster__Engines__0=js >"$work/up-l$1.log"
  export MOC_ADMIN_TOKEN; MOC_ADMIN_TOKEN="$(cat "$dir/silo-1/admin-token")"
  register "$port" echo "$work/samples/echo.wasm"
  plug "$port" '{"method":"POST","path":"/echo","name":"echo"}'
  local url="https://127.0.0.1:$port/echo" times=()
  post() { curl -skf --data-binary @"$work/large.bin" -o "$1" -w '%{time_total}\n' "$url"; }
  # The gateway places its first Wasm call once the worker has reported its load: on a loaded machine, retry a while.
  local tries=30
  until post "$work/echoed.bin" >/dev/null 2>&1; do ((tries-- > 0)) || { echo "cluster: /echo keeps failing" >&2; exit 1; }; sleep 2; done
  cmp -s "$work/large.bin" "$work/echoed.bin" || { echo "cluster: the echoed 16 MiB body differs from the one sent" >&2; exit 1; }
  for _ in $(seq 1 10); do times+=("$(post /dev/null)"); done
  local started; started="$(date +%s.%N)"
  seq 1 16 | xargs -P4 -I{} curl -skf --data-binary @"$work/large.bin" -o /dev/null "$url"
  local concurrent; concurrent="$(awk -v s="$started" -v e="$(date +%s.%N)" 'BEGIN { printf "%.0f", (e - s) * 1000 }')"
  local median; median="$(printf '%s\n' "${times[@]}" | sort -n | awk '{ v[NR] = $1 } END { printf "%.0f", v[int((NR + 1) / 2)] * 1000 }')"
  local peaks=""
  for n in 1 2; do peaks+="$(awk '/VmHWM/ { printf "%.0f ", $2 / 1024 }' "/proc/$(cat "$dir/silo-$n/pid")/status")"; done
  echo "$median $concurrent $peaks$(load)"
  scripts/cluster-up --down --dir "$dir" >/dev/null
}

section="$work/section.md"
if [[ " $parts " == *" cpu "* ]]; then
  # Alternating rounds: this machine's speed drifts by ±20% over minutes, so each ratio compares neighbours.
  rounds="${BENCH_CPU_ROUNDS:-3}"; cpu_rows=""; ratios=""
  for round in $(seq 1 "$rounds"); do
    echo "cluster: CPU-bound round $round, 1 pinned silo"; read -r a_rps a_p50 a_calls a_store a_load < <(measure_cpu 1)
    echo "cluster: CPU-bound round $round, 2 pinned silos"; read -r b_rps b_p50 b_calls b_store b_load < <(measure_cpu 2)
    cpu_rows+="| $round | $a_rps | $a_p50 | $a_store | $a_load | $b_rps | $b_p50 | $b_calls | $b_store | $b_load | $(ratio "$b_rps" "$a_rps")x |"$'\n'
    ratios+="$(ratio "$b_rps" "$a_rps") "
  done
  median_ratio="$(tr ' ' '\n' <<<"$ratios" | grep . | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')"
  {
    echo "## Cluster scaling: a CPU-bound function, gateway alone vs gateway + worker (\`bench/run --cluster\`, PostgreSQL on loopback, fabric mTLS, $(date -u +%Y-%m-%d))"
    echo
    echo "A function of ~10 ms a call, wrk with 8 connections for ${duration}s, each silo pinned to a core of its own"
    echo "(\`scripts/cluster-up --pin\`); load: the machine's 1-minute load average at the end of the run ($(nproc) cores)."
    echo
    echo "| round | gateway alone (core 0): req/s | p50 | store xacts per warm call | load | gateway (core 0) + worker (core 1): req/s | p50 | calls run per silo | store xacts per warm call | load | ratio |"
    echo "|---|---|---|---|---|---|---|---|---|---|---|"
    printf '%s' "$cpu_rows"
    echo
    echo "Gateway + worker: ${median_ratio}x the gateway alone, the median of the rounds (goal: at least 1.8x). Store"
    echo "transactions per warm call: PostgreSQL's commits and rollbacks during the run less those of an idle window as long"
    echo "(membership and reminders), per request: zero within the noise of that background."
  } >"$section"
  bench/replace-section "$results" "$section"; cat "$section"
fi

if [[ " $parts " == *" hello "* ]]; then
  echo "cluster: 1 silo"; read -r one_rps one_p99 one_cpu one_load < <(measure 1)
  echo "cluster: 3 silos"; read -r three_rps three_p99 three_cpu three_load < <(measure 3)
  {
    echo "## Cluster: hello through 1 and 3 silos (\`bench/run --cluster\`, PostgreSQL on loopback, fabric mTLS, wrk -c64 for ${duration}s on $(date -u +%Y-%m-%d))"
    echo
    echo "| silos | hello through the gateway (req/s) | p99 | CPU per silo during the run (cores; silo 1 is the gateway) | load |"
    echo "|---|---|---|---|---|"
    echo "| 1 (gateway) | $one_rps | $one_p99 | $(tr ',' ' ' <<<"$one_cpu") | $one_load |"
    echo "| 3 (gateway + 2 workers) | $three_rps | $three_p99 | $(tr ',' ' ' <<<"$three_cpu") | $three_load |"
    echo
    echo "Hello takes microseconds: the gateway keeps nearly every call (it has a free core), and on one machine the workers"
    echo "share its $(nproc) cores anyway."
  } >"$section"
  bench/replace-section "$results" "$section"; cat "$section"
fi

if [[ " $parts " == *" large "* ]]; then
  head -c $((16 << 20)) /dev/urandom >"$work/large.bin"
  echo "cluster: 16 MiB bodies, streamed"; read -r s_one s_four s_gw s_wk s_load < <(measure_large $((1 << 20)))
  echo "cluster: 16 MiB bodies, one message"; read -r m_one m_four m_gw m_wk m_load < <(measure_large 2147483647)
  {
    echo "## Cluster: large bodies between silos (\`BENCH_PARTS=large bench/run --cluster\`, fabric mTLS, $(date -u +%Y-%m-%d))"
    echo
    echo "A 16 MiB body POSTed to a plugged Wasm echo that runs on the worker (the gateway offers only JavaScript), so"
    echo "16 MiB go to the worker and 16 MiB come back. Latency: the median of 10 requests one at a time, and 16 requests"
    echo "4 at a time; peak memory: each silo's VmHWM (peak resident set) at the end; load: 1-minute load average."
    echo
    echo "| bodies between the silos | one at a time: median ms | 16 requests, 4 at a time: ms | gateway peak RSS (MiB) | worker peak RSS (MiB) | load |"
    echo "|---|---|---|---|---|---|"
    echo "| streamed in 1 MiB chunks (\`Cluster:StreamAboveBytes\` 1 MiB, the default) | $s_one | $s_four | $s_gw | $s_wk | $s_load |"
    echo "| one message each way (\`Cluster:StreamAboveBytes\` 2147483647, the old way) | $m_one | $m_four | $m_gw | $m_wk | $m_load |"
  } >"$section"
  bench/replace-section "$results" "$section"; cat "$section"
fi
