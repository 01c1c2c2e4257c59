# Shared by the bench scripts (sourced). Timing without forking a clock process: bash's
# $EPOCHREALTIME (microseconds), so a few-millisecond command is not measured together
# with the start-up of `date`.

# us CMD...: microseconds CMD takes (its output discarded, its exit status ignored).
us() {
  local s=$EPOCHREALTIME e
  "$@" >/dev/null 2>&1 || true
  e=$EPOCHREALTIME
  echo $(( 10#${e/./} - 10#${s/./} ))
}

# median_us N CMD...: the median of N runs of `us CMD...`.
median_us() {
  local n=$1 i
  shift
  for ((i = 0; i < n; i++)); do us "$@"; done | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}

# pack_regexes OUT: the reference's regexes for ripgrep — every `pattern` of the built-in
# pack, verbatim but for the capture group's name (ripgrep joins `-e` patterns into one
# alternation, where a group name may occur once), plus an e-mail regex: the same
# regexes leakguard runs (issue #10: "rg -j1 running the same secret regexes plus an
# e-mail regex").
EMAIL='[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}'
pack_regexes() {
  python3 - policies "$1" "$EMAIL" <<'PY'
import glob, sys, yaml
out = []
for f in sorted(glob.glob(sys.argv[1] + "/*.yaml")):
    for c in (yaml.safe_load(open(f)).get("classes") or {}).values():
        for d in c.get("detect") or []:
            if "pattern" in d:
                out.append(d["pattern"]["regex"].replace("(?P<secret>", "(?:"))
out.append(sys.argv[3])
open(sys.argv[2], "w").write("\n".join(out) + "\n")
PY
}
