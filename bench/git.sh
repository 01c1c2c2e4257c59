#!/usr/bin/env bash
# Git benchmarks, one run, reference tools in the same run:
# 1. `leakguard hook pre-commit` on a 10-file, 100 KB commit in a repository of 50,000
#    files (median of 21 runs);
# 2. `leakguard scan --history` over a synthetic ~100 MB history vs
#    `git log -p --all | rg -f <the pack's regexes + an e-mail regex>` over the same history.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v rg >/dev/null || { apt-get update -qq && apt-get install -y -qq ripgrep; }
cargo build --release --quiet
L=$PWD/target/release/leakguard
W=$PWD/bench/work/git
mkdir -p "$W"
export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

BIG=$W/big
if [ ! -d "$BIG/.git" ]; then
  rm -rf "$BIG"; mkdir -p "$BIG"
  python3 - "$BIG" <<'PY'
import os, sys
root = sys.argv[1]
for i in range(50000):
    d = os.path.join(root, f"d{i % 500}")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, f"f{i}.txt"), "w") as f:
        f.write(f"file {i}\n" * 8)
PY
  git -C "$BIG" init -q -b main && git -C "$BIG" -c user.email=b@corp.test -c user.name=B add -A && git -C "$BIG" -c user.email=b@corp.test -c user.name=B commit -q -m init
fi
git -C "$BIG" reset -q
for i in $(seq 10); do head -c 10240 /dev/urandom | base64 -w 100 > "$BIG/new$i.txt"; done
git -C "$BIG" add new*.txt
. bench/lib.sh
pc=$(cd "$BIG" && median_us 21 "$L" --policy builtin hook pre-commit)
st=$(cd "$BIG" && median_us 21 git status --porcelain)
git -C "$BIG" reset -q

HIST=$W/history
if [ ! -d "$HIST/.git" ]; then
  rm -rf "$HIST"; mkdir -p "$HIST"; git -C "$HIST" init -q -b main
  python3 - "$HIST" <<'PY'
import os, random, subprocess, sys
root = sys.argv[1]; r = random.Random(5)
words = "alpha beta gamma delta parse render token buffer stream value index".split()
env = dict(os.environ, GIT_AUTHOR_NAME="B", GIT_AUTHOR_EMAIL="b@corp.test", GIT_COMMITTER_NAME="B", GIT_COMMITTER_EMAIL="b@corp.test")
for c in range(400):
    for k in range(5):
        p = os.path.join(root, f"m{(c * 5 + k) % 300}.txt")
        with open(p, "w") as f:
            f.write("".join(" ".join(r.choice(words) for _ in range(12)) + (" mail ops@host%d.org" % c if r.random() < 0.01 else "") + "\n" for _ in range(650)))
    subprocess.run(["git", "-C", root, "add", "-A"], check=True, env=env)
    subprocess.run(["git", "-C", root, "commit", "-q", "-m", f"c{c}"], check=True, env=env)
PY
fi
hist_mb=$(git -C "$HIST" log -p --all | wc -c | awk '{printf "%.0f", $1/1e6}')
t() { local s e; s=$(date +%s%N); "$@" >/dev/null 2>&1 || true; e=$(date +%s%N); echo $(( (e - s) / 1000000 )); }
lg_hist=$(for _ in 1 2 3; do (cd "$HIST" && t "$L" --policy builtin scan --history --format json); done | median)
pack_regexes "$W/pack-regexes.txt"
rg_hist=$(for _ in 1 2 3; do t sh -c "git -C '$HIST' log -p --all | rg -c -f '$W/pack-regexes.txt'"; done | median)
echo "| measure | leakguard | reference | ratio |"
echo "|---|---|---|---|"
printf '| hook pre-commit, 10 files / 100 KB staged, 50,000-file repository (median of 21) | %.1f ms | git status: %.1f ms | %.2fx |\n' "$(echo "$pc/1000" | bc -l)" "$(echo "$st/1000" | bc -l)" "$(echo "$pc/$st" | bc -l)"
printf '| scan --history, 400 commits, %s MB of `git log -p` (median of 3) | %s ms | git log -p \\| rg (pack regexes + e-mail): %s ms | %.2fx |\n' "$hist_mb" "$lg_hist" "$rg_hist" "$(echo "$lg_hist/$rg_hist" | bc -l)"
