#!/usr/bin/env bash
# Scan benchmark, one run, ratios to reference tools measured in the same run, on two
# trees: a generated ~200 MB tree of mixed source and data (bench/gen_tree.py) and a
# real source tree (git/git at HEAD, from /work/bench-data/gitgit.git or $GIT_SRC; skipped
# when absent). Rows: leakguard (built-in pack) on one core and on all cores; ripgrep on
# one core with the built-in pack's own pattern regexes (extracted from policies/*.yaml,
# the same regexes leakguard runs) plus an e-mail regex — the reference of issue #10
# ("<= 1.2x rg -j1"); ripgrep with the e-mail regex alone; `cat` as the I/O floor.
# Page cache warm, median of 3, CPU to the millisecond (bash's `times`), wall and peak RSS
# by GNU time; start-up + policy load as the median of 51 one-small-file scans.
set -euo pipefail
cd "$(dirname "$0")/.."
MB=${MB:-200}
W=bench/work
TREE=$W/tree-$MB
GIT_SRC=${GIT_SRC:-/work/bench-data/gitgit.git}
REAL=$W/real-git
command -v rg >/dev/null || { apt-get update -qq && apt-get install -y -qq ripgrep; }
[ -x /usr/bin/time ] || { apt-get update -qq && apt-get install -y -qq time; }
cargo build --release --quiet
L=$PWD/target/release/leakguard
[ -d "$TREE" ] || python3 bench/gen_tree.py "$TREE" "$MB"
if [ ! -d "$REAL" ] && [ -d "$GIT_SRC" ]; then
  mkdir -p "$REAL.tmp" && git --git-dir="$GIT_SRC" archive HEAD | tar -x -C "$REAL.tmp" && mv "$REAL.tmp" "$REAL"
fi
. bench/lib.sh
pack_regexes "$W/pack-regexes.txt"
# CPU seconds (user + sys, to the millisecond) are shown next to wall seconds: on a
# shared machine the wall clock also counts other people's work, the CPU time does not.
measure() { # label, command...: prints "label wall_s peak_kb cpu_s" (the run of median CPU time of 3)
  local label=$1 t; shift
  for _ in 1 2 3; do
    # CPU from bash's `times` in a subshell (its children: GNU time and the command), to
    # the millisecond; GNU time prints user and sys to the hundredth each, up to 0.02 s
    # (4 % of the rg reference) off. Wall and peak RSS from GNU time.
    t=$( (/usr/bin/time -f "%e %M" -o "$W/time.out" "$@" >/dev/null 2>&1 || true; times) | tail -n1)
    echo "$t $(tail -n1 "$W/time.out")" | awk '{
      split($1, u, "m"); split($2, s, "m"); sub("s", "", u[2]); sub("s", "", s[2])
      printf "%.3f %s %s\n", u[1] * 60 + u[2] + s[1] * 60 + s[2], $3, $4 }'
  done | sort -n | sed -n 2p | awk -v l="$label" '{print l, $2, $3, $1}'
}
rate() { if [ "$(echo "$2 > 0" | bc)" = 1 ]; then echo "scale=0; $1/$2" | bc; else echo "-"; fi; }
bench_tree() { # name, dir: one table
  local name=$1 dir=$2 bytes mbytes ref refw
  bytes=$(du -sb --apparent-size "$dir" | cut -f1)
  mbytes=$(echo "scale=1; $bytes/1000000" | bc)
  find "$dir" -type f -exec cat {} + >/dev/null   # warm the page cache
  {
    measure "leakguard-1-thread" env RAYON_NUM_THREADS=1 "$L" --policy builtin scan "$dir" --format json
    measure "leakguard-all-threads" "$L" --policy builtin scan "$dir" --format json
    measure "rg-pack-regexes+email-1-thread" rg -j1 --no-ignore --hidden -c -f "$W/pack-regexes.txt" "$dir"
    measure "rg-email-regex-1-thread" rg -j1 --no-ignore --hidden -c "$EMAIL" "$dir"
    measure "cat" sh -c "find '$dir' -type f -exec cat {} + "
  } > "$W/scan-$name.txt"
  ref=$(awk '$1=="rg-pack-regexes+email-1-thread"{print $4}' "$W/scan-$name.txt")
  refw=$(awk '$1=="rg-pack-regexes+email-1-thread"{print $2}' "$W/scan-$name.txt")
  echo "Tree $name (rg ref = rg-pack-regexes+email-1-thread): $(find "$dir" -type f | wc -l) files, $mbytes MB; $(nproc) cores; load $(cut -d' ' -f1-3 /proc/loadavg); $(date -u +%Y-%m-%d)"
  echo
  echo "| run | wall s | CPU s | MB/s (wall) | MB/s (CPU) | peak RSS MB | wall / rg ref | CPU / rg ref |"
  echo "|---|---|---|---|---|---|---|---|"
  while read -r label secs kb cpu; do
    printf '| %s | %s | %s | %s | %s | %s | %sx | %sx |\n' "$label" "$secs" "$cpu" "$(rate "$mbytes" "$secs")" "$(rate "$mbytes" "$cpu")" \
      "$(( kb / 1024 ))" "$(echo "scale=2; $secs/$refw" | bc)" "$(echo "scale=2; $cpu/$ref" | bc)"
  done < "$W/scan-$name.txt"
  echo
}
bench_tree "tree-$MB" "$TREE"
if [ -d "$REAL" ]; then bench_tree real-git "$REAL"; else echo "(real source tree skipped: no $GIT_SRC)"; echo; fi
echo "x" > "$W/one.txt"
startup() { median_us 51 "$@"; }
su_scan=$(startup "$L" --policy builtin scan "$W/one.txt")
su_check=$(startup "$L" --policy builtin policy check)
su_rg=$(startup rg -c x "$W/one.txt")
echo "| start-up (median of 51) | ms |"
echo "|---|---|"
echo "| leakguard scan of one small file (built-in pack) | $(echo "scale=2; $su_scan/1000" | bc) |"
echo "| leakguard policy check (built-in pack) | $(echo "scale=2; $su_check/1000" | bc) |"
echo "| rg on one small file | $(echo "scale=2; $su_rg/1000" | bc) |"
# One-line inputs (issue #10 item 7): every detector is linear, so these take time
# proportional to their size. Median of 3, one thread.
python3 - "$W" <<'PY'
import sys
w = sys.argv[1]
js, sql = [], []
for i in range(200000):
    d = f"co{i}.example-corp{i % 97}.io"
    js.append('{"company":"Co %d","email":"c%d@%s","tel":"+49 30 %07d"}' % (i, i, d, i))
    if i < 60000:
        sql.append("('Co %d','c%d@%s')" % (i, i, d))
open(f"{w}/oneline.json", "w").write("[" + ",".join(js) + "]")
open(f"{w}/oneline.sql", "w").write("INSERT INTO customers (company, email) VALUES " + ",".join(sql) + ";")
open(f"{w}/markers.txt", "w").write("/* leakguard:allow no-such-rule -- reason */ " * 200000 + "\n")
PY
echo
echo "| one-line input | MB | wall s (1 thread) | MB/s |"
echo "|---|---|---|---|"
for f in oneline.json oneline.sql markers.txt; do
  mb=$(echo "scale=1; $(stat -c %s "$W/$f")/1000000" | bc)
  s=$(for _ in 1 2 3; do /usr/bin/time -f "%e" -o "$W/t1" env RAYON_NUM_THREADS=1 "$L" --policy builtin scan "$W/$f" --format json >/dev/null 2>&1 || true; tail -n1 "$W/t1"; done | sort -n | sed -n 2p)
  echo "| $f | $mb | $s | $(echo "scale=0; $mb/$s" | bc 2>/dev/null || echo -) |"
done
