#!/usr/bin/env bash
# Benchmark: fixgen's cost within one large file (issue 18). Times `check`
# and `preview` on the files scripts/gen-stress.sh writes (800 sibling
# parallel subtests in one test; 8000 racy tests in one 1.6 MB file) and
# on the Go standard library, in the same run, and reports seconds per MB
# of each stress file against seconds per MB of GOROOT/src. Time that grew
# faster than the file shows up as a large ratio.
#
# Usage: scripts/bench-stress.sh
# Environment:
#   FIXGEN=path   fixgen binary (default: cargo build --release)
#   RUNS=n        timed runs of each command (default 3)
# Exit: 0 done, 2 error. It reports; it sets no target.
set -euo pipefail

die() { echo "bench-stress: $*" >&2; exit 2; }

fixgen=${FIXGEN:+$(realpath -e -- "$FIXGEN")}
cd "$(dirname -- "$0")/.."
root=$PWD
RUNS=${RUNS:-3}
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive integer, not '$RUNS'"
[ -x /usr/bin/time ] || die "/usr/bin/time not found: install GNU time"
command -v go >/dev/null || die "go not found on PATH"
goroot_src=$(go env GOROOT)/src

if [ -z "$fixgen" ]; then
  cargo build --release -q
  fixgen=$root/target/release/fixgen
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/fixgen-stress.XXXXXX")
trap 'rm -rf -- "$work"' EXIT
"$root/scripts/gen-stress.sh" "$work"

# median_seconds CMD...: the median wall time of RUNS runs (exit 0 or 1 is success).
median_seconds() {
  local times=$work/times status
  : >"$times"
  for ((i = 0; i < RUNS; i++)); do
    status=0
    /usr/bin/time -o "$work/time" -f '%e' "$@" >/dev/null 2>"$work/stderr" || status=$?
    if [ "$status" -gt 1 ]; then
      tail -n 20 "$work/stderr" >&2
      die "exit $status from: $*"
    fi
    tail -n 1 "$work/time" >>"$times"
  done
  sort -n "$times" | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'
}
megabytes() { find "$1" -name '*.go' -printf '%s\n' | awk '{ s += $1 } END { printf "%.3f", s / 1e6 }'; }
per_mb() { awk -v s="$1" -v m="$2" 'BEGIN { printf "%.3f", s / m }'; }

echo "fixgen: $fixgen ($("$fixgen" --version)); $(go env GOVERSION); $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg)"
ref_mb=$(megabytes "$goroot_src")
ref_s=$(median_seconds "$fixgen" check --format json "$goroot_src")
ref_per=$(per_mb "$ref_s" "$ref_mb")
printf '%-22s %8s %9s %10s %s\n' corpus MB seconds 's/MB' 'x GOROOT s/MB'
printf '%-22s %8s %9s %10s %s\n' "GOROOT/src check" "$ref_mb" "$ref_s" "$ref_per" 1.00
for case in siblings repeated; do
  mb=$(megabytes "$work/$case")
  for command in check preview; do
    s=$(median_seconds "$fixgen" "$command" "$work/$case")
    per=$(per_mb "$s" "$mb")
    printf '%-22s %8s %9s %10s %s\n' "$case $command" "$mb" "$s" "$per" \
      "$(awk -v a="$per" -v b="$ref_per" 'BEGIN { printf "%.1f", a / b }')"
  done
done
