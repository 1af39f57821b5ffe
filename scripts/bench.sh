#!/usr/bin/env bash
# Benchmark: fixgen (the rules on by default: what `fixgen check` runs in a
# CI gate) against ast-grep (one pattern rule,
# scripts/bench/parallel-subtest.yml) on the Go standard library and, with
# CORPUS=DIR, on a corpus of your own (say, a folder of cloned repositories)
# in the same run; each rule's time alone; and how fixgen's time grows with
# candidate files versus the size of the tree.
#
# Usage: scripts/bench.sh                  GOROOT/src
#        CORPUS=DIR scripts/bench.sh       GOROOT/src, then DIR
# Environment:
#   CORPUS=DIR          a second corpus, measured after GOROOT/src
#   FIXGEN=path         fixgen binary (default: cargo build --release)
#   AST_GREP=path       ast-grep binary (default: ast-grep on PATH, else one
#                       installed into ${XDG_CACHE_HOME:-~/.cache}/fixgen-bench)
#   RUNS=n              timed runs of each command (default 5; each rule
#                       alone gets min(n, 3))
#   BENCH_NO_FAIL=1     report only; exit 0 even when a target fails
#   BENCH_RULES=all     compare with every built-in rule named (--rule each,
#                       the off-by-default and --at-only ones too) instead of
#                       the default set
# Targets, on every corpus: fixgen's median time <= 10% of ast-grep's;
# fixgen's peak RSS < 64 MiB.
# Exit: 0 targets met, 1 a target failed, 2 error.
set -euo pipefail

AST_GREP_VERSION=0.51.1
RATIO_TARGET=0.10
MEM_TARGET_MIB=64
# fixgen's prefilter literals (rules/*.toml; request-slice-alias's are its
# request_suffixes, "Req" covering "Request"; closure-shared-var runs only
# at --at places): a file with none is never parsed. Padding is made of
# files holding none of them.
LITERALS=(-e 'go func' -e $'\tgo ' -e 'Go(func' -e 'Submit(func' -e '<- ' -e 'Parallel()' -e 'Req'
  -e 'Begin' -e 'Exec(' -e 'ExecContext(' -e 'Tx' -e 'Eventually' -e 'github.com/stretchr/testify/')

die() { echo "bench: $*" >&2; exit 2; }

# An absolute path for a path, or the command a bare name runs.
resolve() {
  case $1 in
    */*) realpath -e -- "$1" 2>/dev/null || die "$1: not found" ;;
    *) command -v -- "$1" || die "$1: not found on PATH" ;;
  esac
}

# Resolve what the caller named before leaving their directory.
fixgen=${FIXGEN:+$(resolve "$FIXGEN")}
astgrep=${AST_GREP:+$(resolve "$AST_GREP")}
[ $# -eq 0 ] || die "no arguments: name a second corpus with CORPUS=DIR"
extra=
if [ -n "${CORPUS:-}" ]; then
  extra=$(realpath -e -- "$CORPUS" 2>/dev/null) || die "CORPUS=$CORPUS: no such folder"
  [ -d "$extra" ] || die "CORPUS=$CORPUS: not a folder"
fi
cd "$(dirname -- "$0")/.."
root=$PWD
rule_file=$root/scripts/bench/parallel-subtest.yml
[ -f "$rule_file" ] || die "$rule_file: missing"

RUNS=${RUNS:-5}
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive integer, not '$RUNS'"
RULE_RUNS=$((RUNS < 3 ? RUNS : 3))
[ -x /usr/bin/time ] || die "/usr/bin/time not found: install GNU time (Debian/Ubuntu: apt-get install time)"
command -v go >/dev/null || die "go not found on PATH"
goroot=$(go env GOROOT)
go_version=$(go env GOVERSION)

work=$(mktemp -d "${TMPDIR:-/tmp}/fixgen-bench.XXXXXX")
trap 'rm -rf -- "$work"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- binaries ---------------------------------------------------------------
if [ -z "$fixgen" ]; then
  echo "building fixgen (cargo build --release)"
  cargo build --release -q
  fixgen=$root/target/release/fixgen
fi
[ -x "$fixgen" ] || die "$fixgen: not executable"

if [ -z "$astgrep" ]; then
  # Not `sg`: on Debian /usr/bin/sg is shadow-utils' "execute as group".
  if command -v ast-grep >/dev/null; then
    astgrep=$(command -v ast-grep)
  else
    cache=${XDG_CACHE_HOME:-$HOME/.cache}/fixgen-bench
    for bin in "$cache/node_modules/.bin/ast-grep" "$cache/bin/ast-grep"; do
      if [ -x "$bin" ] && [ "$("$bin" --version 2>/dev/null)" = "ast-grep $AST_GREP_VERSION" ]; then
        astgrep=$bin
        break
      fi
    done
    if [ -z "$astgrep" ]; then
      mkdir -p "$cache"
      echo "installing ast-grep $AST_GREP_VERSION into $cache"
      if command -v npm >/dev/null &&
        npm install --prefix "$cache" --no-audit --no-fund --loglevel=error \
          "@ast-grep/cli@$AST_GREP_VERSION" >/dev/null; then
        astgrep=$cache/node_modules/.bin/ast-grep
      else
        echo "npm route unavailable or failed; cargo install (several minutes)"
        cargo install -q ast-grep --locked --version "$AST_GREP_VERSION" --root "$cache"
        astgrep=$cache/bin/ast-grep
      fi
    fi
  fi
fi
astgrep_version=$("$astgrep" --version 2>/dev/null) || die "$astgrep: does not run"
astgrep_version=${astgrep_version#ast-grep }
pin_note=
[ "$astgrep_version" = "$AST_GREP_VERSION" ] || pin_note=" (not the pinned $AST_GREP_VERSION)"

rules=$("$fixgen" --color never rules | awk 'NF { print $1 }') || die "$fixgen rules failed"
[ -n "$rules" ] || die "$fixgen rules listed no rule"
default_rules=$("$fixgen" --color never rules | awk '$2 == "on" { print $1 }')
rule_args=()
case ${BENCH_RULES:-default} in
  default) compared="the rules on by default: ${default_rules//$'\n'/ }" ;;
  all)
    for r in $rules; do rule_args+=(--rule "$r"); done
    compared="every rule, named: ${rules//$'\n'/ }"
    ;;
  *) die "BENCH_RULES must be default or all, not '$BENCH_RULES'" ;;
esac

# --- helpers ----------------------------------------------------------------
# The .go files fixgen reads under a folder, relative to it: not under
# vendor/, testdata/ or a hidden folder.
go_files() {
  (cd "$1" && find . -mindepth 1 \( -name testdata -o -name vendor -o -name '.*' \) -prune \
    -o -type f -name '*.go' -printf '%P\n')
}
# Of the files listed on stdin (relative to $1), those with (grep -l) or
# without (grep -L) a prefilter literal.
grep_literals() {
  (cd "$1" && { xargs -d '\n' -r grep "$2" -F "${LITERALS[@]}" -- || [ $? -eq 123 ]; })
}
bytes_of() { (cd "$1" && xargs -d '\n' -r stat -c %s --) | awk '{ s += $1 } END { print s + 0 }'; }
mb() { awk -v b="$1" 'BEGIN { printf "%.1f MB", b / 1e6 }'; }

# run OUT TIMES CMD...: run CMD, stdout to OUT. Unless TIMES is -, time it
# and append "wall_s peak_kib" to TIMES. Exit 0 or 1 (findings) is success.
run() {
  local out=$1 times=$2 status=0
  shift 2
  if [ "$times" = - ]; then
    "$@" >"$out" 2>"$work/stderr" || status=$?
  else
    /usr/bin/time -o "$work/time" -f '%e %M' "$@" >"$out" 2>"$work/stderr" || status=$?
  fi
  if [ "$status" -gt 1 ]; then
    echo "bench: exit $status from: $*" >&2
    tail -n 20 "$work/stderr" >&2
    exit 2
  fi
  # GNU time writes "Command exited with non-zero status 1" first.
  if [ "$times" != - ]; then tail -n 1 "$work/time" >>"$times"; fi
}
median() {
  awk '{ print $1 }' "$1" | sort -n |
    awk '{ a[NR] = $1 } END { if (NR % 2) printf "%.2f", a[(NR + 1) / 2]; else printf "%.2f", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}
all_times() { awk '{ printf "%s%s", sep, $1; sep = " " }' "$1"; }
peak_mib() { awk '$2 > m { m = $2 } END { printf "%.1f", m / 1024 }' "$1"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print "n/a" }'; }
verdict() { if [ "$1" = 1 ]; then echo PASS; else echo FAIL; fi; }
within_ratio() { awk -v a="$1" -v b="$2" -v t="$RATIO_TARGET" 'BEGIN { print (b > 0 && a <= t * b) ? 1 : 0 }'; }
within_memory() { awk -v m="$1" -v t="$MEM_TARGET_MIB" 'BEGIN { print (m < t) ? 1 : 0 }'; }

# The commands compared; the corpus goes last.
fixgen_cmd=("$fixgen" ${rule_args[@]+"${rule_args[@]}"} check --format json)
astgrep_cmd=("$astgrep" scan --rule "$rule_file" --json=compact)

cores=$(nproc)
load=$(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo '?')
echo "fixgen:   $fixgen ($("$fixgen" --version)); $compared"
echo "ast-grep: $astgrep (ast-grep $astgrep_version)$pin_note; rule: scripts/bench/parallel-subtest.yml"
echo "machine:  $cores cores, load average $load; $go_version"
if awk -v l="$load" -v c="$cores" 'BEGIN { exit !(l + 0 > c / 2) }'; then
  echo "note:     the machine is busy; timings will be noisy"
fi

failed=0
summary=()

# compare LABEL DIR: fixgen (every rule) against ast-grep (one rule) over
# DIR, alternating after a warm-up; then each rule alone. Sets failed=1
# when a target is missed and appends a summary row.
compare() {
  local label=$1 dir=$2
  local all_go fixgen_go fixgen_bytes findings matches f_med a_med f_mib a_mib r ratio_ok mem_ok
  all_go=$(find "$dir" -type f -name '*.go' | wc -l)
  go_files "$dir" >"$work/files"
  fixgen_go=$(wc -l <"$work/files")
  fixgen_bytes=$(bytes_of "$dir" <"$work/files")
  echo
  echo "== $label: fixgen against ast-grep =="
  echo "corpus:   $dir: $all_go .go files (fixgen reads $fixgen_go, $(mb "$fixgen_bytes"): it skips vendor/, testdata/, hidden folders; ast-grep does not)"
  run "$work/fixgen.json" - "${fixgen_cmd[@]}" "$dir"
  run "$work/astgrep.json" - "${astgrep_cmd[@]}" "$dir"
  findings=$(grep -c '^ *"rule": "' "$work/fixgen.json" || true)
  matches=$({ grep -o '"ruleId":"' "$work/astgrep.json" || true; } | wc -l)
  echo "warm-up:  fixgen $findings findings, ast-grep $matches matches; then RUNS=$RUNS timed runs of each, alternating"
  : >"$work/fixgen.times"
  : >"$work/astgrep.times"
  for ((i = 0; i < RUNS; i++)); do
    run /dev/null "$work/fixgen.times" "${fixgen_cmd[@]}" "$dir"
    run /dev/null "$work/astgrep.times" "${astgrep_cmd[@]}" "$dir"
  done
  f_med=$(median "$work/fixgen.times")
  a_med=$(median "$work/astgrep.times")
  f_mib=$(peak_mib "$work/fixgen.times")
  a_mib=$(peak_mib "$work/astgrep.times")
  r=$(ratio "$f_med" "$a_med")
  ratio_ok=$(within_ratio "$f_med" "$a_med")
  mem_ok=$(within_memory "$f_mib")
  printf 'fixgen:   median %6s s  peak %7s MiB  (runs: %s)\n' "$f_med" "$f_mib" "$(all_times "$work/fixgen.times")"
  printf 'ast-grep: median %6s s  peak %7s MiB  (runs: %s)\n' "$a_med" "$a_mib" "$(all_times "$work/astgrep.times")"
  echo "ratio:    $r (target <= $RATIO_TARGET) $(verdict "$ratio_ok")"
  echo "memory:   fixgen peak $f_mib MiB (target < $MEM_TARGET_MIB MiB) $(verdict "$mem_ok"); ast-grep peak $a_mib MiB"
  if [ "$ratio_ok" != 1 ] || [ "$mem_ok" != 1 ]; then failed=1; fi
  summary+=("| $(date -u +%Y-%m-%d) | $cores cores | $go_version | $astgrep_version | $label ($all_go .go files) | $f_med s | $a_med s | $r | $f_mib MiB | $a_mib MiB |")

  echo
  echo "each rule alone (median of $RULE_RUNS; ratio against ast-grep's one rule):"
  printf '  %-30s %8s %8s %11s\n' rule time ratio peak
  local rule times
  for rule in $rules; do
    times=$work/rule.times
    : >"$times"
    for ((i = 0; i < RULE_RUNS; i++)); do
      run /dev/null "$times" "$fixgen" --rule "$rule" check --format json "$dir"
    done
    printf '  %-30s %6s s %8s %7s MiB\n' "$rule" "$(median "$times")" \
      "$(ratio "$(median "$times")" "$a_med")" "$(peak_mib "$times")"
  done
}

# repositories DIR: each folder under DIR that is a git checkout, with its
# commit, origin and size, for the record beside the figures.
repositories() {
  local dir=$1 sub commit origin files bytes mods pbs
  echo
  echo "repositories in $dir:"
  printf '  %-20s %-14s %7s %9s %7s %9s  %s\n' folder commit files size go.mod '*.pb.go' origin
  for sub in "$dir"/*/; do
    sub=${sub%/}
    commit=$(git -C "$sub" rev-parse --short=12 HEAD 2>/dev/null || echo '-')
    origin=$(git -C "$sub" remote get-url origin 2>/dev/null || echo '-')
    files=$(go_files "$sub" | wc -l)
    bytes=$(go_files "$sub" | bytes_of "$sub")
    mods=$(find "$sub" -name go.mod -not -path '*/vendor/*' | wc -l)
    pbs=$(find "$sub" -name '*.pb.go' -not -path '*/vendor/*' | wc -l)
    printf '  %-20s %-14s %7s %9s %7s %9s  %s\n' "$(basename "$sub")" "$commit" "$files" "$(mb "$bytes")" "$mods" "$pbs" "$origin"
  done
}

# pad_with_noncandidates DEST BYTES: copies of GOROOT/src's non-candidate
# .go files (no prefilter literal in them) into DEST until they hold BYTES.
pad_with_noncandidates() {
  local dest=$1 want=$2 have=0 copy=0 src=$goroot/src
  go_files "$src" | grep_literals "$src" -L | sort >"$work/noncandidates"
  [ -s "$work/noncandidates" ] || die "GOROOT/src has no non-candidate file to pad with"
  while [ "$have" -lt "$want" ]; do
    copy=$((copy + 1))
    (cd "$src" && xargs -d '\n' -r stat -c '%s %n' --) <"$work/noncandidates" |
      awk -v want=$((want - have)) 's < want { s += $1; sub(/^[0-9]+ /, ""); print }' >"$work/padding"
    mkdir -p "$dest/$copy"
    (cd "$src" && xargs -d '\n' -r cp --parents -t "$dest/$copy" --) <"$work/padding"
    have=$((have + $(bytes_of "$src" <"$work/padding")))
  done
}

# linearity NAME... : fixgen's median over each of $work/NAME, alternating.
linearity() {
  local c
  for c in "$@"; do
    run /dev/null - "${fixgen_cmd[@]}" "$work/$c"
    : >"$work/$c.times"
  done
  for ((i = 0; i < RUNS; i++)); do
    for c in "$@"; do run /dev/null "$work/$c.times" "${fixgen_cmd[@]}" "$work/$c"; done
  done
  printf '%-8s %9s %11s %10s %14s %11s\n' corpus '.go files' candidates size 'fixgen median' peak
  for c in "$@"; do
    go_files "$work/$c" >"$work/files"
    printf '%-8s %9s %11s %10s %12s s %6s MiB\n' "$c" "$(wc -l <"$work/files")" \
      "$(grep_literals "$work/$c" -l <"$work/files" | wc -l)" "$(mb "$(bytes_of "$work/$c" <"$work/files")")" \
      "$(median "$work/$c.times")" "$(peak_mib "$work/$c.times")"
  done
}

# --- GOROOT/src, then CORPUS --------------------------------------------------
compare GOROOT/src "$goroot/src"
if [ -n "$extra" ]; then
  repositories "$extra"
  # Both tools read a copy of the corpus's Go and module files: fixgen
  # never walks into a repository nested in the one it was given (that
  # one's files are not its to fix), so a folder of clones must lose its
  # .git folders to be read whole.
  mkdir -p "$work/corpus"
  (cd "$extra" && find . -name .git -prune -o \( -name '*.go' -o -name go.mod -o -name go.work \) -type f -print0 |
    xargs -0 -r cp --parents -t "$work/corpus")
  compare "CORPUS ($(basename "$extra"), its Go and module files)" "$work/corpus"
fi

# --- linearity --------------------------------------------------------------
echo
echo "== linearity: time grows with candidate files, not with the tree =="
src=$goroot/src
mkdir -p "$work/small/net" "$work/padded/real/net" "$work/double/a/net" "$work/double/b/net"
cp -r "$src/net/http" "$work/small/net/"
cp -r "$src/net/http" "$work/padded/real/net/"
cp -r "$src/net/http" "$work/double/a/net/"
cp -r "$src/net/http" "$work/double/b/net/"
small_bytes=$(go_files "$work/small" | bytes_of "$work/small")
pad_with_noncandidates "$work/padded/pad" $((small_bytes * 10))
linearity small padded double
echo "small = net/http; padded = small + pad/ (10x its bytes in non-candidate files); double = net/http twice"
echo "10x the bytes in non-candidate files: time x$(ratio "$(median "$work/padded.times")" "$(median "$work/small.times")");" \
  "2x candidate files: time x$(ratio "$(median "$work/double.times")" "$(median "$work/small.times")")"
rm -rf -- "$work/small" "$work/padded" "$work/double"

if [ -n "$extra" ]; then
  # The corpus's Go files and module files only, so that the copy and the
  # padded copy differ by the padding alone.
  echo
  mkdir -p "$work/corpus+pad/real"
  cp -r "$work/corpus/." "$work/corpus+pad/real/"
  corpus_bytes=$(go_files "$work/corpus" | bytes_of "$work/corpus")
  pad_with_noncandidates "$work/corpus+pad/pad" "$corpus_bytes"
  linearity corpus corpus+pad
  echo "corpus = the copy of CORPUS measured above; corpus+pad = the same + as many bytes again in non-candidate files"
  echo "2x the bytes, the added half non-candidate: time x$(ratio "$(median "$work/corpus+pad.times")" "$(median "$work/corpus.times")")"
fi

# --- summary ----------------------------------------------------------------
echo
echo "| Date | Machine | Go | ast-grep | Corpus | fixgen | ast-grep | Ratio | fixgen peak | ast-grep peak |"
echo "|---|---|---|---|---|---|---|---|---|---|"
printf '%s\n' "${summary[@]}"

if [ "$failed" = 1 ]; then
  if [ "${BENCH_NO_FAIL:-}" = 1 ]; then
    echo "a target failed (BENCH_NO_FAIL=1: exit 0)"
  else
    echo "a target failed"
    exit 1
  fi
fi
