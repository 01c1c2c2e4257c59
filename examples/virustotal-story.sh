#!/usr/bin/env bash
# The incident leakguard exists for, end to end, in a temporary directory:
# an admin exports a customer list into a role-scoped store, then tries to upload it to
# a shared scanning platform and to commit it; both are stopped; two security officers
# approve the commit with SSH keys; the audit log proves what happened.
#
#   bash examples/virustotal-story.sh            # uses `leakguard` from PATH
#   LEAKGUARD=target/release/leakguard bash examples/virustotal-story.sh
set -euo pipefail
LG=${LEAKGUARD:-leakguard}
LG=$(command -v "$LG" || echo "$LG"); case "$LG" in /*) ;; *) LG="$PWD/$LG";; esac
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
cd "$W"
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
export HOME="$W/home" GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1 LEAKGUARD_FP_KEY=0123456789abcdef0123456789abcdef
mkdir -p "$HOME" bin store && chmod 700 "$W" store

say "set-up: a policy, a private store, stand-ins for billing-cli and vt, two approvers' SSH keys"
cat > bin/billing-cli <<'SH'
#!/bin/sh
# billing-cli export customers --out FILE
out="$4"; { echo "company,group,admin_email"; i=0; while [ $i -lt 5614 ]; do
  echo "Customer $i,premium-$((i % 5)),admin$i@customer$i.example-premium.io"; i=$((i + 1)); done; } > "$out"
SH
cat > bin/vt <<'SH'
#!/bin/sh
echo "vt: uploading $4 to the shared platform"; mkdir -p "$(dirname "$0")/../uploaded"; cp "$4" "$(dirname "$0")/../uploaded/"
SH
chmod +x bin/*
export PATH="$W/bin:$PATH"
for who in carol dave; do ssh-keygen -q -t ed25519 -N "" -C "$who" -f "$W/$who"; done
mkdir -p repo/.leakguard
printf 'carol@corp.test %s\ndave@corp.test %s\n' "$(cut -d' ' -f1,2 "$W/carol.pub")" "$(cut -d' ' -f1,2 "$W/dave.pub")" > repo/.leakguard/allowed_signers
cat > repo/.leakguard/policy.yaml <<YAML
version: 1
roles:
  billing-admin: [alice@corp.test]
  security-officer: [carol@corp.test, dave@corp.test]
approvals:
  allowed_signers: .leakguard/allowed_signers
classes:
  customer-list:
    detect:
      - records: { min_rows: 5, fields: [email], min_distinct_domains: 3 }
      - fingerprints: { set: customers, min_matches: 3 }
stores:
  customer-exports:
    paths: ["$W/store/**"]
    roles: [billing-admin]
    private: true
actions:
  export-customers:
    command: ["billing-cli", "export", "customers", "**"]
    roles: [billing-admin]
    output: { flag: "--out" }
    produces: customer-list
  upload-virustotal:
    command: ["vt", "scan", "file", "**"]
    sends: { args: files, destination: virustotal }
rules:
  - id: customer-lists-stay-in-stores
    class: customer-list
    allow_in: [customer-exports]
    message: Customer lists never leave role-scoped stores
    override: { approvals: 2, approvers: [security-officer], ttl: 24h, reason: required }
settings:
  fingerprint_dir: $W/fingerprints
  audit_log: $W/audit.jsonl
YAML
cd repo && git init -q -b main && git config user.email alice@corp.test && git config user.name Alice
git add .leakguard && git commit -q -m "policy" && "$LG" install >/dev/null
export LEAKGUARD_ACTOR=alice@corp.test

say "1. alice exports the premium customers into the store: allowed, fingerprints registered"
"$LG" exec -- billing-cli export customers --out "$W/store/premium.csv"
wc -l < "$W/store/premium.csv"

say "2. the same export to a shared folder: quarantined, exit 77, nothing lost"
mkdir -p "$W/shared"
set +e; "$LG" exec -- billing-cli export customers --out "$W/shared/premium.csv"; code=$?; set -e
echo "exit $code; in the shared folder: $(ls "$W/shared" | wc -l) files"

say "3. the upload to the scanning platform: blocked before a byte leaves"
set +e; "$LG" exec -- vt scan file "$W/store/premium.csv" 2>&1 | tail -4; code=${PIPESTATUS[0]}; set -e
echo "exit $code; uploaded: $(ls "$W/uploaded" 2>/dev/null | wc -l) files"

say "4. ten rows pasted into a note and committed: blocked by the pre-commit hook"
{ echo "# follow-ups"; sed -n '2000,2009p' "$W/store/premium.csv" | awk -F, '{print "- call " $3 " (" $1 ")"}'; } > notes.md
git add notes.md
set +e; LEAKGUARD_REASON="follow-up calls agreed with the account team" git commit -q -m "notes" 2>"$W/commit.err"; code=$?; set -e
grep -E "customer-list|request:" "$W/commit.err"
echo "commit exit $code"
id=$(sed -n 's/.*request: \(lgr1-[a-z0-9]*\).*/\1/p' "$W/commit.err" | head -1)

say "5. two security officers approve request $id (leakguard and plain ssh-keygen)"
LEAKGUARD_ACTOR=carol@corp.test "$LG" approval sign "$id" --key "$W/carol"
ssh-keygen -q -Y sign -n leakguard-approval -f "$W/dave" ".git/leakguard/requests/$id.json"
mv ".git/leakguard/requests/$id.json.sig" ".git/leakguard/approvals/$id/dave@corp.test.sig"
"$LG" approval verify "$id"
git commit -q -m "notes (approved)" && echo "commit went through with two approvals"

say "6. the audit log: every decision, hash-chained"
"$LG" audit show --log "$W/audit.jsonl"
"$LG" audit verify --log "$W/audit.jsonl"
