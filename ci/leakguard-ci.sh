#!/bin/sh
# leakguard in any CI: scan what a change brings (BASE..HEAD) and write SARIF.
#
#   ci/leakguard-ci.sh [BASE [HEAD]]
#
# BASE, when not given: $LEAKGUARD_BASE, else what the CI says — GitHub pull requests
# (GITHUB_BASE_REF), GitLab merge requests (CI_MERGE_REQUEST_DIFF_BASE_SHA) and pushes
# (CI_COMMIT_BEFORE_SHA) — else the merge base with origin/HEAD. Without any (a new
# branch, a first push), the whole history is scanned. HEAD defaults to HEAD.
# Needs the history: GitHub `actions/checkout` with `fetch-depth: 0`, GitLab `GIT_DEPTH: 0`.
#
# Environment: LEAKGUARD (the binary, default `leakguard`), LEAKGUARD_SARIF (output,
# default leakguard.sarif), LEAKGUARD_ARGS (extra global flags, e.g. `--policy /etc/leakguard`:
# a pull request can change the repository's own policy, so CI that gates merges should
# read a trusted copy; the server's pre-receive hook always does).
#
# Exit status: leakguard's (0 allowed — approved findings carry SARIF `suppressions` —,
# 1 blocked, 2 usage or policy error, 3 internal error). A one-line-per-finding summary
# goes to stderr; the SARIF file is written in every case.
set -u
LG=${LEAKGUARD:-leakguard}
OUT=${LEAKGUARD_SARIF:-leakguard.sarif}
HEAD_REV=${2:-${LEAKGUARD_HEAD:-HEAD}}
BASE=${1:-${LEAKGUARD_BASE:-}}
ZERO=0000000000000000000000000000000000000000
if [ -z "$BASE" ] && [ -n "${GITHUB_BASE_REF:-}" ]; then
  BASE=$(git merge-base "origin/$GITHUB_BASE_REF" "$HEAD_REV" 2>/dev/null || true)
fi
if [ -z "$BASE" ] && [ -n "${CI_MERGE_REQUEST_DIFF_BASE_SHA:-}" ]; then
  BASE=$CI_MERGE_REQUEST_DIFF_BASE_SHA
fi
if [ -z "$BASE" ] && [ -n "${CI_COMMIT_BEFORE_SHA:-}" ] && [ "$CI_COMMIT_BEFORE_SHA" != "$ZERO" ]; then
  BASE=$CI_COMMIT_BEFORE_SHA
fi
if [ -z "$BASE" ]; then
  BASE=$(git merge-base origin/HEAD "$HEAD_REV" 2>/dev/null || true)
fi
[ "$BASE" = "$ZERO" ] && BASE=
if [ -n "$BASE" ] && ! git cat-file -e "$BASE^{commit}" 2>/dev/null; then
  echo "leakguard-ci: base $BASE is not in this clone (fetch the full history: fetch-depth 0 / GIT_DEPTH 0)" >&2
  exit 2
fi
if [ -n "$BASE" ]; then
  echo "leakguard-ci: scanning $BASE..$HEAD_REV" >&2
  # shellcheck disable=SC2086
  "$LG" ${LEAKGUARD_ARGS:-} scan --range "$BASE..$HEAD_REV" --format sarif > "$OUT"
  code=$?
  # shellcheck disable=SC2086
  "$LG" ${LEAKGUARD_ARGS:-} scan --range "$BASE..$HEAD_REV" --format concise --quiet >&2
else
  echo "leakguard-ci: no base commit known: scanning the whole history" >&2
  # shellcheck disable=SC2086
  "$LG" ${LEAKGUARD_ARGS:-} scan --history --format sarif > "$OUT"
  code=$?
fi
echo "leakguard-ci: exit $code, SARIF in $OUT" >&2
exit "$code"
