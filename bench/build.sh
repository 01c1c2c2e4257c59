#!/usr/bin/env bash
# Cold build times and binary sizes, each in a fresh target directory (crates already
# downloaded), with a reference build of a small crate in the same run:
#   1. reference: a small crate using regex + serde_json (release);
#   2. `cargo install --locked --path .` (the `release` profile, tuned for build time);
#   3. `cargo build --locked --profile dist` (shipped binaries), unless SKIP_DIST=1.
# Prints markdown rows for docs/PERFORMANCE.md. Takes every core: run on an idle machine.
set -euo pipefail
cd "$(dirname "$0")/.."
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
secs() { local s=$SECONDS; "$@" >"$T/log" 2>&1 || { cat "$T/log"; exit 1; }; echo $((SECONDS - s)); }
echo "machine: $(nproc) cores; load before: $(cut -d' ' -f1-3 /proc/loadavg); $(rustc --version)"

mkdir -p "$T/ref/src"
cat > "$T/ref/Cargo.toml" <<'TOML'
[package]
name = "reference"
version = "0.1.0"
edition = "2021"
[dependencies]
regex = "1"
serde_json = "1"
TOML
echo 'fn main() { let r = regex::Regex::new("a+").unwrap(); println!("{}", serde_json::json!({"m": r.is_match("aa")})); }' > "$T/ref/src/main.rs"
cp Cargo.lock "$T/ref/Cargo.lock"   # the same versions as leakguard's
ref=$(secs cargo build --release --offline --manifest-path "$T/ref/Cargo.toml" --target-dir "$T/t-ref")
echo "| reference crate (regex + serde_json), release | ${ref} s | |"

inst=$(secs cargo install --locked --offline --path . --root "$T/inst" --target-dir "$T/t-inst")
echo "| cargo install --locked (release profile) | ${inst} s | $(( $(stat -c %s "$T/inst/bin/leakguard") / 1024 / 1024 )) MiB |"

if [ "${SKIP_DIST:-0}" != 1 ]; then
  dist=$(secs cargo build --locked --offline --profile dist --bin leakguard --target-dir "$T/t-dist")
  echo "| cargo build --locked --profile dist | ${dist} s | $(( $(stat -c %s "$T/t-dist/dist/leakguard") / 1024 / 1024 )) MiB |"
fi
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
