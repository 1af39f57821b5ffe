#!/usr/bin/env bash
# Real-code check: fix a copy of the Go standard library with fixgen, then
# prove every changed package still passes go vet (on the OS its file is
# for) and gofmt, and that a second run changes nothing.
# Usage: scripts/stdlib-roundtrip.sh [path/to/fixgen]
set -euo pipefail
fixgen=$(realpath "${1:-target/release/fixgen}")
goroot=$(go env GOROOT)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$goroot" "$work/go"
export GOROOT="$work/go" GOTOOLCHAIN=local GOFLAGS=
go="$work/go/bin/go"
cd "$work/go/src"

"$fixgen" apply --allow-dirty --allow-no-vcs . > "$work/applied.txt"
cat "$work/applied.txt"
changed=$(sed -n 's/^fixed \([^:]*\):.*/\1/p' "$work/applied.txt")
[ -n "$changed" ] || { echo "no file changed: nothing to verify"; exit 0; }

oses="aix android darwin dragonfly freebsd illumos ios js linux netbsd openbsd plan9 solaris wasip1 windows"
status=0
for file in $changed; do
  goos=$("$go" env GOOS)
  base=$(basename "$file" .go); base=${base%_test}
  for os in $oses; do case "$base" in *_"$os"|*_"$os"_*) goos=$os ;; esac; done
  if ! GOOS=$goos "$go" vet "./$(dirname "$file")"; then
    echo "go vet failed for $file (GOOS=$goos)"; status=1
  fi
done
unformatted=$("$work/go/bin/gofmt" -l $changed)
[ -z "$unformatted" ] || { echo "not gofmt-clean: $unformatted"; status=1; }

set +e
"$fixgen" preview . > "$work/second.diff"
second=$?
set -e
[ "$second" -eq 0 ] || { echo "a second run still changes code:"; cat "$work/second.diff"; status=1; }
[ "$status" -eq 0 ] && echo "stdlib round trip: $(echo "$changed" | wc -w) file(s) fixed, all vet- and gofmt-clean, second run a no-op"
exit $status
