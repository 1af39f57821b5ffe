#!/usr/bin/env bash
# Regenerate the `go test` logs under fixtures/e2e/logs/ that the tests of
# `fixgen triage` read (see fixtures/e2e/logs/README.md for what each is).
#
#   scripts/make-triage-logs.sh
#
# Every module is copied to a temporary directory and tested there, so the
# repository tree is left as it is; the temporary directory's absolute path
# is then rewritten in the output to a GitHub Actions checkout path
# (/home/runner/work/app/app, or /home/runner/work/service/service for the
# other-repository log). GOROOT paths are left as printed.
#
# Races and deadlocks are timing-dependent: a run is repeated (up to
# FIXGEN_TRIAGE_ATTEMPTS times, default 10; the second half with -count=3
# instead of -count=1) until its output has what the log is for, and the
# script fails if it never does.
#
# Needs go (on PATH, else /usr/local/go/bin/go) with the race detector, and
# mariadbd for the mysql-deadlock logs (started and stopped through
# scripts/mariadb.sh). Modules come through the module proxy (GOPROXY).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out="$repo/fixtures/e2e/logs"
app_root=/home/runner/work/app/app
other_root=/home/runner/work/service/service
max_attempts=${FIXGEN_TRIAGE_ATTEMPTS:-10}
max_bytes=$((200 * 1024))

GO=${GO:-}
if [ -z "$GO" ]; then
  if command -v go > /dev/null 2>&1; then GO=go; else GO=/usr/local/go/bin/go; fi
fi

log() { echo "make-triage-logs: $*" >&2; }
die() { log "error: $*"; exit 1; }

"$GO" version > /dev/null 2>&1 || die "no go toolchain ($GO); set GO=/path/to/go"
# Keep the user's GOFLAGS (from the environment or go env) and let go fill
# in go.sum in the copies if it has to.
GOFLAGS="$("$GO" env GOFLAGS) -mod=mod"
GOFLAGS=${GOFLAGS# }
export GOFLAGS

work=$(mktemp -d "${TMPDIR:-/tmp}/fixgen-triage-logs.XXXXXX")
mariadb_dir=
cleanup() {
  local rc=$?
  if [ -n "$mariadb_dir" ]; then
    "$repo/scripts/mariadb.sh" stop "$mariadb_dir" > /dev/null 2>&1 || true
  fi
  rm -rf "$work"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

mkdir -p "$out"

# copy_module NAME: copy fixtures/e2e/NAME to a fresh temporary directory
# and print its path.
copy_module() {
  local dst="$work/src/$1"
  mkdir -p "$dst"
  cp -R "$repo/fixtures/e2e/$1/." "$dst/"
  echo "$dst"
}

# sed_escape S: S as a literal in a sed regex delimited by '|'.
sed_escape() { printf '%s' "$1" | sed -e 's/[][\.*^$|/]/\\&/g'; }

# rewrite_paths DIR ROOT < raw > log: DIR (as given and as the physical
# path, the longer first) becomes ROOT.
rewrite_paths() {
  local dir=$1 root=$2 phys
  phys=$(cd "$dir" && pwd -P)
  local -a script=()
  if [ "$phys" != "$dir" ] && [ ${#phys} -ge ${#dir} ]; then
    script+=(-e "s|$(sed_escape "$phys")|$root|g" -e "s|$(sed_escape "$dir")|$root|g")
  elif [ "$phys" != "$dir" ]; then
    script+=(-e "s|$(sed_escape "$dir")|$root|g" -e "s|$(sed_escape "$phys")|$root|g")
  else
    script+=(-e "s|$(sed_escape "$dir")|$root|g")
  fi
  sed "${script[@]}"
}

# capture NAME DIR ROOT [--need S]... [--forbid S]... -- GO-ARGS...
#
# Run `go GO-ARGS` in DIR until the output (stdout and stderr, as a CI log
# has them) contains every --need string and none of the --forbid strings
# (fixed strings), then write it to $out/NAME with DIR rewritten to ROOT.
# After half the attempts, -count=1 becomes -count=3.
capture() {
  local name=$1 dir=$2 root=$3
  shift 3
  local -a need=() forbid=()
  while [ $# -gt 0 ]; do
    case "$1" in
      --need) need+=("$2"); shift 2 ;;
      --forbid) forbid+=("$2"); shift 2 ;;
      --) shift; break ;;
      *) die "capture: bad option $1" ;;
    esac
  done
  local raw="$work/$name.raw" attempt ok s a
  local -a args
  for ((attempt = 1; attempt <= max_attempts; attempt++)); do
    args=()
    for a in "$@"; do
      if [ "$a" = -count=1 ] && [ "$attempt" -gt $((max_attempts / 2)) ]; then a=-count=3; fi
      args+=("$a")
    done
    log "$name: attempt $attempt/$max_attempts: go ${args[*]}"
    (cd "$dir" && "$GO" "${args[@]}") > "$raw" 2>&1 || true
    ok=1
    for s in "${need[@]}"; do
      grep -qF -- "$s" "$raw" || { ok=; log "$name: no '$s' in the output"; break; }
    done
    if [ -n "$ok" ]; then
      for s in ${forbid[@]+"${forbid[@]}"}; do
        if grep -qF -- "$s" "$raw"; then ok=; log "$name: '$s' in the output"; break; fi
      done
    fi
    if [ -n "$ok" ]; then
      rewrite_paths "$dir" "$root" < "$raw" > "$out/$name"
      log "$name: written ($(wc -c < "$out/$name") bytes)"
      return 0
    fi
  done
  log "$name: last output (tail):"
  tail -n 40 "$raw" >&2
  die "$name: no usable run in $max_attempts attempts"
}

race=(--need "WARNING: DATA RACE" --need "race detected during execution of test")

# 1-3, 7: parallel subtests assigning the parent test's err.
ps=$(copy_module parallel-subtests)
# The plain and -json logs must have both kinds of other side: a
# "Previous write at" and a "Previous read at".
both=(--need "Previous write at" --need "Previous read at")
capture parallel-subtests.log "$ps" "$app_root" "${race[@]}" "${both[@]}" --need "--- FAIL" \
  -- test -race -count=1 -v ./...
capture parallel-subtests.json.log "$ps" "$app_root" "${race[@]}" "${both[@]}" --need '"Action":"fail"' \
  -- test -race -count=1 -json ./...
capture parallel-subtests.quiet.log "$ps" "$app_root" "${race[@]}" --need "--- FAIL" \
  --forbid "=== RUN" \
  -- test -race -count=1 ./...
# -parallel 1: the parallel subtests take turns, each released by the
# testing package's semaphore, so every access to err is ordered.
capture no-race.log "$ps" "$app_root" --need "=== RUN" --need "--- PASS: TestTools" \
  --need "--- PASS: TestParse" --need "ok  	example.com/e2e/parallelsubtests" \
  --forbid "DATA RACE" --forbid "FAIL" \
  -- test -race -count=1 -v -parallel 1 ./...

# 8: parallel-subtests.log cut inside the first race report: the
# "Previous write/read at" header, its first frame (function and file:line)
# and the next frame's function line, without its file:line.
src="$out/parallel-subtests.log"
first=$(grep -n -m1 '^WARNING: DATA RACE$' "$src" | cut -d: -f1)
prev=$(awk -v s="$first" 'NR > s && /^Previous (write|read) at /{ print NR; exit }' "$src")
end=$(awk -v s="$first" 'NR > s && /^==================$/{ print NR; exit }' "$src")
[ -n "$prev" ] && [ -n "$end" ] && [ $((prev + 3)) -lt "$end" ] ||
  die "truncated.log: the first race report of $src has no Previous access to cut in"
head -n $((prev + 3)) "$src" > "$out/truncated.log"
log "truncated.log: written (first $((prev + 3)) lines of parallel-subtests.log)"

# 4: goroutines assigning a shared err.
gr=$(copy_module goroutines)
capture goroutines.log "$gr" "$app_root" "${race[@]}" \
  -- test -race -count=1 -v ./...

# 5: a slice shared by request and analytics event, appended to in billing
# while analytics encodes it.
rs=$(copy_module request-slices)
for v in -v -json; do
  name=request-slices.log
  [ "$v" = -json ] && name=request-slices.json.log
  capture "$name" "$rs" "$app_root" "${race[@]}" \
    --need "billing/sync.go" --need "analytics/firehose.go" \
    -- test -race -count=1 "$v" ./...
done

# 10: a request's slice a handler sends on a channel, joined by strings.Join
# on the server's goroutine while the caller reuses its buffer.
rq=$(copy_module request-queue)
capture request-queue.log "$rq" "$app_root" "${race[@]}" \
  --need "strings.Join" --need "inventory/sync.go" \
  -- test -race -count=1 -v ./...

# 9: testify flakes: a poll window too short, a require inside a poll's
# condition, an assertion on a field set asynchronously. Deterministic
# (the switch's latency is longer than the waits); no -race.
ev=$(copy_module eventually)
for v in -v -json; do
  name=eventually.log
  [ "$v" = -json ] && name=eventually.json.log
  capture "$name" "$ev" "$app_root" --need "Condition never satisfied" \
    --need "Received unexpected error" --forbid "DATA RACE" \
    -- test -count=1 "$v" ./...
done

# 6: MySQL deadlocks (Error 1213) against a throwaway MariaDB; no -race.
md=$(copy_module mysql-deadlock)
mariadb_dir="$work/mariadb"
dsn=$("$repo/scripts/mariadb.sh" start "$mariadb_dir") || die "scripts/mariadb.sh start failed"
export FIXGEN_MYSQL_DSN=$dsn
for v in -v -json; do
  name=mysql-deadlock.log
  [ "$v" = -json ] && name=mysql-deadlock.json.log
  capture "$name" "$md" "$app_root" --need "Error 1213" --forbid "DATA RACE" \
    -- test -count=1 "$v" ./...
done
"$repo/scripts/mariadb.sh" stop "$mariadb_dir"
mariadb_dir=
unset FIXGEN_MYSQL_DSN

# 9: a race in another repository, in a test file that happens to have the
# same name as parallel-subtests' (tools_test.go).
other="$work/src/other-service"
mkdir -p "$other"
cat > "$other/go.mod" <<'EOF'
module example.com/other/service

go 1.22
EOF
cat > "$other/handler.go" <<'EOF'
// Package service resolves tool names to the handlers that serve them.
package service

import (
	"fmt"
	"time"
)

var handlers = map[string]string{
	"grep": "search-v2",
	"sed":  "rewrite-v1",
	"awk":  "report-v3",
}

// Resolve returns the handler of a tool, after a short registry lookup.
func Resolve(tool string) (string, error) {
	time.Sleep(time.Millisecond)
	h, ok := handlers[tool]
	if !ok {
		return "", fmt.Errorf("no handler for tool %q", tool)
	}
	return h, nil
}
EOF
cat > "$other/tools_test.go" <<'EOF'
package service

import "testing"

// TestResolveTools checks every tool in parallel; the subtests share the
// parent's handler and err. The racing assignment is on line 19, as in
// parallel-subtests' tools_test.go, to catch a mapping by file:line alone.
func TestResolveTools(t *testing.T) {
	tools := map[string]string{
		"grep": "search-v2",
		"sed":  "rewrite-v1",
		"awk":  "report-v3",
	}
	var handler string
	var err error
	for tool, want := range tools {
		t.Run(tool, func(t *testing.T) {
			t.Parallel()
			handler, err = Resolve(tool)
			if err != nil {
				t.Fatalf("Resolve(%q): %v", tool, err)
			}
			if handler != want {
				t.Errorf("Resolve(%q) = %q, want %q", tool, handler, want)
			}
		})
	}
}
EOF
capture other-repo.log "$other" "$other_root" "${race[@]}" \
  -- test -race -count=1 -v ./...

# Nothing of this machine may be left: the temporary directories, the
# checkout, the home directory or any other /tmp or /work path (the runner
# paths /home/runner/work/... excepted).
bad=
for f in "$out"/*.log; do
  size=$(wc -c < "$f")
  if [ "$size" -gt "$max_bytes" ]; then
    log "$f: $size bytes, over $max_bytes"; bad=1
  fi
  if grep -qF -e "$work" -e "$repo" "$f" ||
     { [ -n "${HOME:-}" ] && [ "$HOME" != / ] && grep -qF -e "$HOME/" "$f"; } ||
     sed -e 's|/home/runner/work/||g' "$f" | grep -qE '/tmp/|/work/|/private/|/var/folders/'; then
    log "$f: a path of this machine is left:"
    sed -e 's|/home/runner/work/||g' "$f" |
      grep -nE -e '/tmp/|/work/|/private/|/var/folders/' -e "$work" -e "$repo" | head -n 5 >&2 || true
    bad=1
  fi
done
[ -z "$bad" ] || die "some logs are unusable (see above)"
log "all logs written to ${out#"$repo"/}"
