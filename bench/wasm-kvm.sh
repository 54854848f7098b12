#!/usr/bin/env bash
# Wasm in KVM micro-VMs (issue 26), each figure beside its baseline in the same run (BenchmarkDotNet):
#   KvmBenchmarks      KVM warm call vs the bare round trip (goal <= 2x); cold call on a running engine (goal <= 1 ms)
#   WasmKvmBenchmarks  hello sample warm, isolation kvm vs Wasmtime (goal <= 3x);
#                      SHA-256 of 1 MiB (Samples/c/sha256.c), isolation kvm vs Wasmtime (goal: ratio <= 2, i.e. >= 0.5x speed)
#                      posix uppercase of 64 KiB (Samples/wasi/uppercase.c, WASI over hypercalls), kvm vs Wasmtime (no goal)
#   bench/wasm-kvm.sh            results into bench/RESULTS.md (section "Wasm in KVM micro-VMs")
#   BENCH_JOB=medium bench/wasm-kvm.sh   more iterations (default: short)
# Needs /dev/kvm (read-write), clang + lld (wasm32) with wasi-libc, wabt (wasm2c) and gcc; uses no network port.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! [ -r /dev/kvm ] || ! [ -w /dev/kvm ]; then
  echo "wasm-kvm.sh: /dev/kvm is missing or not read-write here; run it on a machine with KVM" >&2
  exit 2
fi
for tool in clang wasm-ld wasm2c gcc objcopy; do
  command -v "$tool" >/dev/null || { echo "wasm-kvm.sh: missing $tool (Debian: apt-get install clang lld wabt gcc binutils)" >&2; exit 2; }
done
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
(cd bench/Benchmarks && dotnet run -c Release -- --filter '*KvmBenchmarks*' --job "${BENCH_JOB:-short}" \
  --exporters github --artifacts "$work/artifacts") | tee "$work/run.log"
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
{
  echo "## Wasm in KVM micro-VMs (\`bench/wasm-kvm.sh\`, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores)"
  echo
  echo "Load average before/after: $load_before / $load_after. Goals (issue 26): KVM warm call <= 2x the bare round trip;"
  echo "cold call on a running engine <= 1 ms; hello sample warm with isolation kvm <= 3x Wasmtime; SHA-256 of 1 MiB with"
  echo "isolation kvm at least 0.5x Wasmtime's speed (ratio <= 2)."
  echo
  for report in "$work"/artifacts/results/*KvmBenchmarks-report-github.md; do
    echo "### $(basename "$report" -report-github.md | sed 's/.*\.//')"
    echo
    grep '^|' "$report"
    echo
  done
} >"$work/section.md"
cat "$work/section.md"
bench/replace-section bench/RESULTS.md "$work/section.md"
