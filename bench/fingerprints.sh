#!/usr/bin/env bash
# Fingerprint benchmark: a set of 10 million values (5 M records × e-mail + company),
# its registration time, the time to open it (start-up of a one-file scan with the
# set vs without), and the per-MB scan cost with the fingerprint detector on vs off.
# Prints a markdown table; numbers are medians of repeated runs in this one run.
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${ROWS:-5000000}
W=bench/work/fp
mkdir -p "$W"
cargo build --release --quiet
L=$PWD/target/release/leakguard
export LEAKGUARD_FP_KEY=00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff
export LEAKGUARD_FP_DIR=$W/sets

if [ ! -f "$W/export.csv" ] || [ "$(wc -l < "$W/export.csv")" -le "$ROWS" ]; then
  python3 - "$W/export.csv" "$ROWS" <<'PY'
import sys, random
out, n = sys.argv[1], int(sys.argv[2])
r = random.Random(7)
syl = ["bri","kes","nor","qui","tar","umb","vel","wex","yar","zen","ald","bro","cal","dun","elm","fen"]
with open(out, "w") as f:
    f.write("company,group,admin_email\n")
    for i in range(n):
        a = "".join(r.choice(syl) for _ in range(3))
        f.write(f"{a.title()} Holdings {i},premium-{i%7},admin{i}@{a}{i%9973}.example-corp.io\n")
PY
fi
# A text tree of ~100 MB: prose with a few addresses, unrelated to the set.
if [ ! -d "$W/tree" ]; then
  python3 - "$W/tree" <<'PY'
import sys, os, random
root = sys.argv[1]; os.makedirs(root)
r = random.Random(11)
words = "the of and to in is that for it as with was on be by this are from at or an not have which".split()
for i in range(400):
    with open(os.path.join(root, f"doc{i}.txt"), "w") as f:
        lines = []
        while sum(map(len, lines)) < 250_000:
            lines.append(" ".join(r.choice(words) for _ in range(12)) + (f", ping ops{r.randint(0,99)}@site{i}.org" if r.random() < 0.01 else "") + "\n")
        f.write("".join(lines))
PY
fi
rm -rf "$LEAKGUARD_FP_DIR"
t0=$(date +%s.%N)
"$L" --policy builtin fingerprint add --set customers --column admin_email --column company "$W/export.csv" >/dev/null
t1=$(date +%s.%N)
values=$(( ($(stat -c %s "$LEAKGUARD_FP_DIR/customers.lgfp") - 24) / 12 ))
cat > "$W/on.yaml" <<YAML
version: 1
classes:
  customer-list:
    detect:
      - records: { min_rows: 5, fields: [email], min_distinct_domains: 3 }
      - fingerprints: { set: customers, min_matches: 3 }
rules:
  - id: r
    class: customer-list
YAML
cat > "$W/off.yaml" <<YAML
version: 1
classes:
  customer-list:
    detect:
      - records: { min_rows: 5, fields: [email], min_distinct_domains: 3 }
rules:
  - id: r
    class: customer-list
YAML
echo "hello ops@site.org" > "$W/small.txt"
. bench/lib.sh
run_ms() { median_us "${N:-21}" "$@" | awk '{printf "%.2f", $1/1000}'; } # median wall time in ms
open_on=$(run_ms "$L" --policy "$W/on.yaml" scan "$W/small.txt")
open_off=$(run_ms "$L" --policy "$W/off.yaml" scan "$W/small.txt")
mb=$(du -sm "$W/tree" | cut -f1)
scan_on=$(N=5 run_ms env RAYON_NUM_THREADS=1 "$L" --policy "$W/on.yaml" scan "$W/tree")
scan_off=$(N=5 run_ms env RAYON_NUM_THREADS=1 "$L" --policy "$W/off.yaml" scan "$W/tree")
echo "| measure | value |"
echo "|---|---|"
echo "| set size | $values fingerprints ($(du -h "$LEAKGUARD_FP_DIR/customers.lgfp" | cut -f1)) |"
printf '| register %s rows (2 columns) | %.1f s |\n' "$ROWS" "$(echo "$t1 - $t0" | bc)"
echo "| one-file scan, set attached (open + mmap) | $open_on ms |"
echo "| one-file scan, no fingerprint detector | $open_off ms |"
echo "| ${mb} MB text tree, 1 thread, fingerprints on | $scan_on ms ($(echo "scale=1; $mb*1000/$scan_on" | bc) MB/s) |"
echo "| ${mb} MB text tree, 1 thread, fingerprints off | $scan_off ms ($(echo "scale=1; $mb*1000/$scan_off" | bc) MB/s) |"
echo "| cost of fingerprints per MB | $(echo "scale=2; ($scan_on-$scan_off)/$mb" | bc) ms/MB |"
