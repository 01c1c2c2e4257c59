#!/usr/bin/env bash
# A team's first hour with leakguard, end to end, in a temporary directory: `init` with
# two approvers' keys, a blocked commit, two approvals done by following only what the
# block message says, the commit through, a push through a server's pre-receive hook,
# CI's SARIF showing the finding as approved, and `audit verify`.
#
#   bash examples/first-hour.sh            # uses `leakguard` from PATH
#   LEAKGUARD=target/release/leakguard bash examples/first-hour.sh
set -euo pipefail
LG=${LEAKGUARD:-leakguard}
LG=$(command -v "$LG" || echo "$LG"); case "$LG" in /*) ;; *) LG="$PWD/$LG";; esac
export LEAKGUARD="$LG"
HERE=$(cd "$(dirname "$0")/.." && pwd)
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
say() { printf '\n== %s\n' "$*"; }
export HOME="$W/home" GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1 NO_COLOR=1
mkdir -p "$HOME"
unset LEAKGUARD_POLICY LEAKGUARD_ACTOR
# The block message's commands say `leakguard`: make that this binary.
mkdir -p "$W/bin" && ln -s "$LG" "$W/bin/leakguard" && export PATH="$W/bin:$PATH"
git_id() { git config user.email "$1"; git config user.name "${1%%@*}"; git config commit.gpgsign false; }

say "1. two approvers make SSH keys (plain ssh-keygen); the security team runs init"
for who in carol dave; do ssh-keygen -q -t ed25519 -N "" -C "$who@corp.test" -f "$W/$who"; done
git init -q --bare -b main "$W/server.git"
git init -q -b main "$W/alice" && cd "$W/alice" && git_id alice@corp.test
approvers=(--approver "carol@corp.test=$W/carol.pub" --approver "dave@corp.test=$W/dave.pub")
leakguard init "${approvers[@]}"
leakguard install >/dev/null
leakguard policy check --deny-warnings
git add .leakguard && git commit -q -m "leakguard: policy and approvers"
# The server gets its own copy (the same command, written beside the bare repository),
# never the pushed tree's.
leakguard init --dir "$W/server.git" "${approvers[@]}" >/dev/null
(cd "$W/server.git" && leakguard install --hook pre-receive >/dev/null)
git remote add origin "$W/server.git"
git push -q origin main
echo "server and client ready"

say "2. alice commits a customer export by mistake: blocked"
python3 - > exports.csv <<'PY'
print("company,group,admin_email")
for i in range(300):
    print(f"Customer {i} GmbH,premium-{i % 3},admin{i}@customer{i}-gmbh.de")
PY
git add exports.csv
set +e; git commit -q -m "q3 export" 2>"$W/block.txt"; code=$?; set -e
cat "$W/block.txt"
echo "commit exit $code"
[ "$code" -ne 0 ]

say "3. following the block message"
msg() { sed -n "s/^  $1 *//p" "$W/block.txt" | head -1; }
id=$(msg 'request:')
file=$(msg 'request file:' | sed 's/ (hashes only.*//')
echo "request $id in $file"
grep -q "approvals: 2 of role security-officer — carol@corp.test, dave@corp.test — not the requester" "$W/block.txt"
# "a reason is required: leakguard approval request --reason ..."
eval "$(msg 'a reason is required:' | sed 's/"why it must go through"/"auditors asked for the Q3 list (ticket 4711)"/')"
# "approvers on another machine sign a copy of the request file instead of the id, and
#  send back .leakguard/approvals/<id>/" — each approver, in their own clone:
sign_cmd=$(msg 'each approver:')
for who in carol dave; do
  git clone -q "$W/server.git" "$W/$who-clone"
  cp "$file" "$W/$who-clone/$id.json"          # alice sends the request file (hashes only)
  cmd="${sign_cmd/ $id / ./$id.json }"
  cmd="${cmd/\~\/.ssh\/id_ed25519/$W/$who}"
  (cd "$W/$who-clone" && git_id "$who@corp.test" && eval "$cmd")
  mkdir -p .leakguard/approvals
  cp -r "$W/$who-clone/.leakguard/approvals/$id" .leakguard/approvals/   # sent back
done
leakguard approval verify "$id"

say "4. \"then commit .leakguard/approvals/<id>/ with the change and run the step again\""
git add .leakguard/approvals
git commit -q -m "q3 export (approved by carol and dave)"
echo "commit went through with two approvals"

say "5. the push: the client's pre-push and the server's pre-receive read the approvals from the pushed tree"
git push origin main 2>&1 | sed 's/^/  /'
git --git-dir="$W/server.git" log --oneline -1 main

say "6. CI: the same range as SARIF shows the finding as approved"
LEAKGUARD_SARIF="$W/ci.sarif" sh "$HERE/ci/leakguard-ci.sh" "HEAD~1" HEAD
python3 - "$W/ci.sarif" <<'PY'
import json, sys
res = json.load(open(sys.argv[1]))["runs"][0]["results"]
assert res and all(r.get("suppressions") for r in res), res
print("SARIF:", len(res), "finding(s), each with suppressions:", res[0]["suppressions"][0]["justification"])
PY

say "7. the audit logs are intact"
leakguard audit verify
(cd "$W/server.git" && leakguard audit verify)
echo "first hour done"
