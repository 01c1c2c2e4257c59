#!/usr/bin/env python3
"""Generates a deterministic ~200 MB tree of mixed source and data for the scan
benchmark: source in several languages with a few addresses and secret-like strings,
JSON/YAML configs, logs, metrics CSVs, markdown docs, and a small share of customer
lists. Invented names and domains only.

    python3 bench/gen_tree.py DIR [MB]
"""
import json, os, random, sys

out = sys.argv[1]
target_mb = int(sys.argv[2]) if len(sys.argv) > 2 else 200
r = random.Random(42)
W = ("alpha beta gamma delta value index count buffer parse render handle result error config client server "
     "request response token cache queue worker stream reader writer option state event frame node tree list map").split()
LANG = {
    "rs": ("fn {n}(x: &str) -> Result<usize, Error> {{\n    let {a} = x.len() * {i};\n    // {c}\n    Ok({a})\n}}\n",),
    "py": ("def {n}(x):\n    \"\"\"{c}\"\"\"\n    {a} = len(x) * {i}\n    return {a}\n\n",),
    "go": ("func {n}(x string) (int, error) {{\n\t{a} := len(x) * {i} // {c}\n\treturn {a}, nil\n}}\n\n",),
    "js": ("export function {n}(x) {{\n  const {a} = x.length * {i}; // {c}\n  return {a};\n}}\n\n",),
    "java": ("    public int {n}(String x) {{\n        int {a} = x.length() * {i}; // {c}\n        return {a};\n    }}\n\n",),
    "c": ("static int {n}(const char *x) {{\n    int {a} = strlen(x) * {i}; /* {c} */\n    return {a};\n}}\n\n",),
}


def words(k):
    return " ".join(r.choice(W) for _ in range(k))


def ident():
    return "_".join(r.choice(W) for _ in range(2))


def source(ext, size):
    tmpl = LANG[ext][0]
    parts, n = [f"// generated {ext} module\n// Maintainer: Dev Team <dev@ourservice.io>\n"], 0
    while n < size:
        s = tmpl.format(n=ident() + str(r.randint(0, 999)), a=ident(), i=r.randint(1, 9), c=words(8))
        if r.random() < 0.01:
            s += f'const API_TOKEN = "{"".join(r.choice("abcdef0123456789") for _ in range(8))}"; // placeholder\n'
        parts.append(s)
        n += len(s)
    return "".join(parts)


def customer_csv(rows):
    lines = ["company,group,admin_email"]
    for i in range(rows):
        a = r.choice(["bri", "kes", "nor", "tar", "vel", "wex"]) + r.choice(["falcon", "mark", "vale", "gate"])
        lines.append(f"{a.title()} {i},premium,admin{i}@{a}{i}.{r.choice(['io', 'de', 'fr', 'com'])}")
    return "\n".join(lines) + "\n"


def main():
    os.makedirs(out, exist_ok=True)
    total, i = 0, 0
    limit = target_mb * 1_000_000
    while total < limit:
        kind = r.random()
        d = os.path.join(out, f"pkg{i % 97}", r.choice(["src", "lib", "data", "docs", "config"]))
        os.makedirs(d, exist_ok=True)
        if kind < 0.55:
            ext = r.choice(list(LANG))
            data = source(ext, r.randint(4_000, 60_000))
            name = f"{ident()}_{i}.{ext}"
        elif kind < 0.65:
            data = json.dumps({"name": ident(), "version": f"1.{i}.0", "settings": {ident(): r.randint(0, 9) for _ in range(200)}}, indent=2)
            name = f"config_{i}.json"
        elif kind < 0.72:
            data = "".join(f"{ident()}:\n  enabled: {r.choice(['true', 'false'])}\n  limit: {r.randint(1, 999)}\n" for _ in range(400))
            name = f"values_{i}.yaml"
        elif kind < 0.82:
            data = "".join(f"2025-01-{r.randint(1, 28):02d}T{r.randint(0, 23):02d}:00:00Z INFO {words(6)} id={r.randint(0, 10**6)}\n" for _ in range(r.randint(500, 3000)))
            name = f"app_{i}.log"
        elif kind < 0.90:
            data = "ts,cpu,mem\n" + "".join(f"{1700000000 + k},{r.random():.3f},{r.randint(100, 999)}\n" for k in range(r.randint(1000, 8000)))
            name = f"metrics_{i}.csv"
        elif kind < 0.98:
            data = "# " + words(4) + "\n\n" + "".join(words(14) + ".\n" for _ in range(r.randint(100, 800))) + "\nContact: docs@ourservice.io\n"
            name = f"guide_{i}.md"
        else:
            data = customer_csv(r.randint(20, 2000))
            name = f"export_{i}.csv"
        with open(os.path.join(d, name), "w") as f:
            f.write(data)
        total += len(data)
        i += 1
    print(f"{i} files, {total / 1e6:.0f} MB in {out}")


main()
