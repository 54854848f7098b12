# Shell helpers the bench scripts share: `source bench/lib.sh` from the repository root.

# A silo on loopback, meant to run as a background job: exec, so that killing the job reaches the silo itself.
silo() { exec dotnet Silo/bin/Release/net10.0/MyOwnCluster.Silo.dll --listen 127.0.0.1 "$@"; }
# Registers Wasm file $3 as function $2 on the gateway at port $1 (admin token in MOC_ADMIN_TOKEN).
register() { printf '{"name":"%s","content_type":"application/wasm","bytes":"%s"}' "$2" "$(base64 -w0 "$3")" |
  curl -skf -H "Authorization: Bearer $MOC_ADMIN_TOKEN" "https://127.0.0.1:$1/my-own-cluster/api/blob/register" -d @- >/dev/null; }
# Plugs a route ($2, the JSON body of function/plug) on the gateway at port $1.
plug() { curl -skf -H "Authorization: Bearer $MOC_ADMIN_TOKEN" "https://127.0.0.1:$1/my-own-cluster/api/function/plug" -d "$2" >/dev/null; }
# Waits until the HTTPS gateway on port $1 answers /healthz.
# Gives up after 120 s (a silo that cannot start says why in its log).
healthy() {
  local tries=600
  until curl -skf "https://127.0.0.1:$1/healthz" >/dev/null 2>&1; do
    ((tries-- > 0)) || { echo "nothing answers on port $1 after 120 s; see the silo's log" >&2; return 1; }
    sleep 0.2
  done
}
# A wrk latency ("850.00us", "1.20ms", "2.00s") in µs.
to_us() { awk -v v="$1" 'BEGIN { if (v ~ /us$/) { sub(/us/, "", v); print v } else if (v ~ /ms$/) { sub(/ms/, "", v); print v * 1000 } else if (v ~ /s$/) { sub(/s/, "", v); print v * 1000000 } else print v }'; }
# CPU ticks (user + system, getconf CLK_TCK a second) used so far by process $1.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
# $1 / $2 with two decimals, "n/a" when $2 is 0.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
