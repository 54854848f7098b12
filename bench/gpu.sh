#!/usr/bin/env bash
# GPU compute side by side (bench/gpu/GpuBench): a tiny kernel straight through Vulkan vs through the GPU engine vs
# through the platform over HTTPS, and a 1024x1024 matmul on the Vulkan device (lavapipe without a GPU) vs C# with
# System.Numerics vectors.
#   bench/gpu.sh          results into bench/RESULTS.md (section "GPU compute")
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
work="$(mktemp -d)"
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
trap 'kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work" || true' EXIT

dotnet build Silo -c Release -nologo -clp:ErrorsOnly >/dev/null
dotnet build bench/gpu/GpuBench -c Release -nologo -clp:ErrorsOnly >/dev/null
export MOC_ADMIN_TOKEN=bench-gpu-token-0123456789abcdef0123456789
silo --data "$work/data" --https-port 29643 --silo-port 29611 --gateway-port 29610 >"$work/silo.log" 2>&1 &
healthy 29643
dotnet bench/gpu/GpuBench/bin/Release/net10.0/GpuBench.dll https://127.0.0.1:29643 "$MOC_ADMIN_TOKEN" "$(pwd)" "${BENCH_ROUNDS:-5}" >"$work/table.md"
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
{
  echo "## GPU compute (\`bench/gpu.sh\`, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores)"
  echo
  echo "Load average before/after: $load_before / $load_after. The machine is shared with other builds and tests: absolute"
  echo "figures are noisy; the three tiny-kernel rows run interleaved, round by round, in one process."
  echo
  cat "$work/table.md"
} >"$work/section.md"
cat "$work/section.md"
bench/replace-section bench/RESULTS.md "$work/section.md"
