#!/usr/bin/env bash
# The steps of the GitHub Action (action.yml), as a script that runs and is
# tested anywhere: action.yml only maps its inputs onto this environment.
#
# Usage: scripts/action.sh install | check | triage
#   install  build fixgen from this checkout into FIXGEN_INSTALL_ROOT
#            (skipped when a build of this version is there) and put it on
#            the job's PATH ($GITHUB_PATH)
#   check    the gate: `fixgen check --format github`, one annotation per
#            finding; exits with check's status (0 pass, 1 fail, 2 error)
#   triage   after a failed `go test` job: read its log, and open the fix
#            pull request for exactly the fixable verdicts, proven with
#            --verify (race by default); exits 0 when there is nothing to fix
# Environment:
#   FIXGEN             the fixgen binary (default: fixgen on PATH)
#   FIXGEN_PATHS       what check scans (default ./...)
#   FIXGEN_ARGS        more options for check or triage (word-split)
#   FIXGEN_LOG         triage: the `go test` output (plain or -json)
#   FIXGEN_BASE        triage: the branch the pull request merges into
#   FIXGEN_VERIFY      triage: build or race (default race)
#   FIXGEN_PR_ARGS     triage: more options for `fixgen pr` (word-split:
#                      --label, --reviewer, --draft, --api-url…)
#   FIXGEN_INSTALL_ROOT  install: where to build (default
#                      $RUNNER_TOOL_CACHE/fixgen/VERSION, else ~/.cache/…)
#   GITHUB_TOKEN       triage: the forge token `fixgen pr` reads; never printed
set -euo pipefail

die() { echo "fixgen-action: $*" >&2; exit 2; }

action_root=$(cd "$(dirname -- "$0")/.." && pwd)
fixgen=${FIXGEN:-fixgen}

# The version in Cargo.toml: a new release builds anew, the same one is
# reused from the tool cache.
version() {
  sed -n 's/^version = "\(.*\)"/\1/p' "$action_root/Cargo.toml" | head -1
}

install() {
  local root=${FIXGEN_INSTALL_ROOT:-${RUNNER_TOOL_CACHE:-$HOME/.cache}/fixgen/$(version)}
  if [ -x "$root/bin/fixgen" ]; then
    echo "fixgen $(version): already built in $root"
  else
    command -v cargo >/dev/null || die "cargo not found: add a Rust toolchain step (dtolnay/rust-toolchain) before this action"
    echo "Building fixgen $(version) (a few minutes on a 2-core runner)…"
    cargo install --locked --path "$action_root" --root "$root"
  fi
  if [ -n "${GITHUB_PATH:-}" ]; then
    echo "$root/bin" >> "$GITHUB_PATH"
  fi
}

check() {
  # shellcheck disable=SC2086 # FIXGEN_ARGS and FIXGEN_PATHS are word lists
  "$fixgen" check --format github ${FIXGEN_ARGS:-} ${FIXGEN_PATHS:-./...}
}

# The options that name triage's fixable verdicts for `fixgen pr`: each
# rule, each place, each parameter triage derived (a deadlock's tables).
pr_selection() {
  command -v jq >/dev/null || die "jq not found (GitHub's runners have it; apt-get install jq)"
  jq -r '
    [.verdicts[] | select(.fixable)] as $fixable
    | ($fixable | map(.rule) | unique | map("--rule", .)),
      ($fixable | map("\(.path):\(.line)") | unique | map("--at", .)),
      (.sets | map("--set", .))
    | .[]'
}

triage() {
  [ -n "${FIXGEN_LOG:-}" ] || die "triage needs the go test log (input go-test-log)"
  [ -f "$FIXGEN_LOG" ] || die "$FIXGEN_LOG: no such file"
  [ -n "${FIXGEN_BASE:-}" ] || die "triage needs the base branch (input base)"
  local verdicts selection=()
  # shellcheck disable=SC2086
  verdicts=$("$fixgen" triage --format json ${FIXGEN_ARGS:-} "$FIXGEN_LOG")
  mapfile -t selection < <(pr_selection <<<"$verdicts")
  if [ ${#selection[@]} -eq 0 ]; then
    echo "fixgen: no fixable verdict in $FIXGEN_LOG; no pull request"
    "$fixgen" triage ${FIXGEN_ARGS:-} "$FIXGEN_LOG" >&2 || true
    return 0
  fi
  # shellcheck disable=SC2086
  "$fixgen" pr --base "$FIXGEN_BASE" --verify="${FIXGEN_VERIFY:-race}" \
    "${selection[@]}" ${FIXGEN_PR_ARGS:-}
}

case ${1:-} in
  install) install ;;
  check) check ;;
  triage) triage ;;
  *) die "usage: $0 install|check|triage" ;;
esac
