#!/usr/bin/env bash
# History benchmark (issue #12), one run of each tool, references in the same run:
#   1. the floor: `git cat-file --batch` of every blob (listed with --batch-all-objects);
#   2. leakguard `scan --history` (all refs) — wall, CPU, peak RSS, and RSS sampled
#      every second (is it flat?); with --format jsonl, when the first finding arrives;
#   3. optionally (OLD=1) the former per-commit strategy (`scan --history --per-commit`);
#   4. nosey parker / gitleaks when they are on PATH;
#   5. a push of 10,000 new commits through pre-receive on a bare repository (PUSH=1).
# Usage: bash bench/history.sh [BARE_REPO]
#   BARE_REPO defaults to bench/work/gitgit.git: a bare clone (heads and tags) of git/git
#   from $GITGIT_SOURCE (a local mirror, e.g. from the `fetch` tool), or, offline, a
#   generated repository of a similar shape (GEN_COMMITS commits).
set -euo pipefail
cd "$(dirname "$0")/.."
export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1
[ -x target/release/leakguard ] && [ -z "${REBUILD:-}" ] || cargo build --release --locked --quiet
L=$PWD/target/release/leakguard
W=$PWD/bench/work
mkdir -p "$W"
REPO=${1:-$W/gitgit.git}
SRC=${GITGIT_SOURCE:-/work/.mirror/git+git/repo}

if [ ! -d "$REPO/objects" ]; then
  if [ -d "$SRC/objects" ]; then
    # Heads and tags only (the mirror may also hold refs/pull/*), packed as a clone is.
    git clone -q --bare --no-local "$SRC" "$REPO"
  else
    echo "no git/git mirror at $SRC: generating a repository of similar shape" >&2
    python3 - "$REPO" "${GEN_COMMITS:-20000}" <<'PY'
import os, random, subprocess, sys
repo, n = sys.argv[1], int(sys.argv[2])
subprocess.run(["git", "init", "-q", "--bare", "-b", "main", repo], check=True)
r = random.Random(12)
words = "static int struct char void return if else for while unsigned const size_t strbuf".split()
env = dict(os.environ, GIT_DIR=repo, GIT_AUTHOR_NAME="B", GIT_AUTHOR_EMAIL="b@corp.test",
           GIT_COMMITTER_NAME="B", GIT_COMMITTER_EMAIL="b@corp.test")
p = subprocess.Popen(["git", "fast-import", "--quiet"], stdin=subprocess.PIPE, env=env)
w = p.stdin.write
files = {}
for c in range(n):
    w(b"commit refs/heads/main\ncommitter B <b@corp.test> %d +0000\ndata 8\ncommit %d\n" % (1500000000 + c, c % 10))
    for _ in range(r.randint(1, 4)):
        f = "d%d/f%d.c" % (r.randrange(60), r.randrange(3000))
        if f not in files:
            files[f] = "\n".join(" ".join(r.choice(words) for _ in range(10)) for _ in range(r.randint(50, 900)))
        body = files[f].split("\n")
        body[r.randrange(len(body))] = " ".join(r.choice(words) for _ in range(10))
        text = "\n".join(body)
        files[f] = text
        data = text.encode()
        w(b"M 100644 inline %s\ndata %d\n%s\n" % (f.encode(), len(data), data))
    if c % 500 == 0:
        w(b"tag v%d\nfrom refs/heads/main\ntagger B <b@corp.test> 1500000000 +0000\ndata 3\nrel\n" % c)
p.stdin.close()
sys.exit(p.wait())
PY
    git -C "$REPO" repack -adq
  fi
fi

load() { cut -d' ' -f1-3 /proc/loadavg; }
# Runs a command under GNU time; prints "wall user sys maxrss_mb".
timed() { /usr/bin/time -f '%e %U %S %M' -o "$W/time.out" "$@" >/dev/null 2>"$W/stderr.out" || true
  tail -1 "$W/time.out" | awk '{printf "%s %s %s %.0f", $1, $2, $3, $4/1024}'; }
# leakguard with RSS sampled every second (leakguard's own, MB): "min..max over the run".
sampled() {
  ( "$@" >"$W/out.json" 2>"$W/stderr.out" & pid=$!; : >"$W/rss.out"
    while kill -0 $pid 2>/dev/null; do awk '/VmRSS/ {print int($2/1024)}' /proc/$pid/status 2>/dev/null >>"$W/rss.out" || true; sleep 1; done
    wait $pid || true )
  sort -n "$W/rss.out" | awk 'NR==1{a=$1} {b=$1} END {printf "%s..%s", a, b}'
}

if [ -z "${PUSH_ONLY:-}" ]; then
blobs=$(git -C "$REPO" cat-file --batch-all-objects --unordered --batch-check='%(objecttype) %(objectsize)' | awk '$1=="blob" {n++; s+=$2} END {printf "%d blobs, %.2f GB", n, s/1e9}')
commits=$(git -C "$REPO" rev-list --all --count)
echo "repository: $REPO ($commits commits, $blobs); $(nproc) cores; $(date -u +%F)"
echo
echo "| run | wall s | user s | sys s | peak RSS MB | load before |"
echo "|---|---|---|---|---|---|"
l=$(load)
floor=$(timed sh -c "git -C '$REPO' cat-file --batch-all-objects --unordered --batch-check='%(objectname) %(objecttype)' | awk '\$2==\"blob\" {print \$1}' | git -C '$REPO' cat-file --batch")
echo "| git cat-file --batch, every blob (floor) | ${floor// / | } | $l |"
l=$(load)
lg=$(timed env LEAKGUARD_TIMINGS=1 GIT_DIR="$REPO" "$L" --policy builtin scan --history --format json)
grep "^leakguard: " "$W/stderr.out" > "$W/timings.out" || true
echo "| leakguard scan --history | ${lg// / | } | $l |"
l=$(load)
rss=$(sampled env GIT_DIR="$REPO" "$L" --policy builtin scan --history --format json)
n=$(python3 -c "import json,sys; print(len(json.load(open('$W/out.json'))['findings']))" 2>/dev/null || echo "?")
echo "| leakguard RSS sampled each second (second run) | | | | $rss | $l |"
l=$(load)
# --format jsonl: seconds to the first streamed finding, and to the end.
first=$(GIT_DIR="$REPO" python3 - "$L" <<'PY'
import subprocess, sys, time
t = time.time()
p = subprocess.Popen([sys.argv[1], "--policy", "builtin", "scan", "--history", "--format", "jsonl"],
                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
first = None; n = 0
for line in p.stdout:
    n += 1
    if first is None:
        first = time.time() - t
p.wait()
print("%.2f s to the first of %d lines, %.2f s to the end" % (first or 0, n, time.time() - t))
PY
)
echo "| leakguard --format jsonl: $first | | | | | $l |"
if [ -n "${OLD:-}" ]; then
  l=$(load)
  old=$(timed env GIT_DIR="$REPO" "$L" --policy builtin scan --history --per-commit --format json)
  echo "| leakguard scan --history --per-commit (former strategy) | ${old// / | } | $l |"
fi
if command -v noseyparker >/dev/null; then
  l=$(load); rm -rf "$W/np.db"
  np=$(timed noseyparker scan --datastore "$W/np.db" "$REPO")
  echo "| nosey parker scan | ${np// / | } | $l |"
fi
if command -v gitleaks >/dev/null; then
  l=$(load)
  gl=$(timed gitleaks git --no-banner --exit-code 0 "$REPO")
  echo "| gitleaks git | ${gl// / | } | $l |"
fi
echo
echo "leakguard findings: $n"
cat "$W/timings.out"
fi

if [ -n "${PUSH:-}" ]; then
  # A push of 10,000 new commits (3 files each, a list in a few) to a bare server with
  # the pre-receive hook installed.
  P=$W/push; rm -rf "$P"; mkdir -p "$P"
  git init -q --bare -b main "$P/server.git"
  (cd "$P/server.git" && "$L" install --hook pre-receive >/dev/null)
  git init -q -b main "$P/client"
  python3 - "$P/client" <<'PY'
import os, subprocess, sys, random
repo = sys.argv[1]; r = random.Random(3)
env = dict(os.environ, GIT_DIR=os.path.join(repo, ".git"))
p = subprocess.Popen(["git", "fast-import", "--quiet"], stdin=subprocess.PIPE, env=env)
w = p.stdin.write
for c in range(10000):
    w(b"commit refs/heads/main\ncommitter B <b@corp.test> %d +0000\ndata 9\ncommit %d\n" % (1600000000 + c, c % 10))
    for k in range(3):
        f = "src/m%d/f%d.txt" % (r.randrange(40), r.randrange(2000))
        body = "".join("line %d of %s value %d\n" % (i, f, r.randrange(10**9)) for i in range(r.randint(20, 200)))
        if c % 2500 == 1234 and k == 0:
            body += "company,group,admin_email\n" + "".join(
                "%s %s,premium-%s,admin%d@%s%s%d.%s\n" % (a.title(), b, g, i, a, b.lower(), i, t)
                for i, (a, b, g, t) in enumerate(zip(["bright", "kestrel", "norv", "quill", "tarn"] * 5,
                    ["Analytics", "Systems", "Foods", "Labs", "Freight"] * 5, ["eu", "us", "apac"] * 9,
                    ["io", "de", "com", "fr", "nl", "ch"] * 5)))
        data = body.encode()
        w(b"M 100644 inline %s\ndata %d\n%s\n" % (f.encode(), len(data), data))
p.stdin.close(); sys.exit(p.wait())
PY
  git -C "$P/client" remote add origin "$P/server.git"
  l=$(load)
  push=$(timed git -C "$P/client" push -q origin main)
  echo
  echo "| push of 10,000 commits through pre-receive | wall s | user s | sys s | peak RSS MB | load before |"
  echo "|---|---|---|---|---|---|"
  echo "| git push (hook included; rejected: lists inside) | ${push// / | } | $l |"
  grep -c "customer-list" "$W/stderr.out" | sed 's/^/findings reported: /' || true
  grep "files," "$W/stderr.out" | tail -1
fi
