#!/usr/bin/env bash
# Writes the synthetic Go modules that stress fixgen's per-file cost
# (issue 18): each is one file, so time that grows faster than the file
# shows up here and not in a corpus of many small files.
#
# Usage: scripts/gen-stress.sh DIR [SIBLINGS] [FUNCTIONS]
#   DIR/siblings/many_test.go   one test with SIBLINGS (default 800) parallel
#                               subtests, each writing the parent's `err`
#   DIR/repeated/racy_test.go   FUNCTIONS (default 8000) tests, each with two
#                               such subtests (1.6 MB at 8000)
# Every subtest is a finding of parallel-subtest-shared-var that gets fixed.
set -euo pipefail

die() { echo "gen-stress: $*" >&2; exit 2; }

[ $# -ge 1 ] || die "usage: $0 DIR [SIBLINGS] [FUNCTIONS]"
dir=$1
siblings=${2:-800}
functions=${3:-8000}
[[ $siblings =~ ^[1-9][0-9]*$ ]] || die "SIBLINGS must be a positive integer, not '$siblings'"
[[ $functions =~ ^[1-9][0-9]*$ ]] || die "FUNCTIONS must be a positive integer, not '$functions'"

module() {
  mkdir -p "$1"
  printf 'module example.com/stress\n\ngo 1.22\n' >"$1/go.mod"
}

# A subtest of the shape the default rule fixes: `err = …` after
# t.Parallel(), shared with every sibling (the fix: `err := f()`).
subtest() {
  printf '\tt.Run("%s", func(t *testing.T) {\n\t\tt.Parallel()\n\t\terr = f()\n\t\tt.Log(err)\n\t})\n' "$1"
}

header='package stress

import "testing"

func f() error { return nil }
'

module "$dir/siblings"
{
  printf '%s\nfunc TestMany(t *testing.T) {\n\tvar err error\n' "$header"
  for ((i = 0; i < siblings; i++)); do subtest "case$i"; done
  printf '}\n'
} >"$dir/siblings/many_test.go"

module "$dir/repeated"
{
  printf '%s' "$header"
  for ((i = 0; i < functions; i++)); do
    printf '\nfunc TestR%d(t *testing.T) {\n\tvar err error\n' "$i"
    subtest a
    subtest b
    printf '}\n'
  done
} >"$dir/repeated/racy_test.go"
