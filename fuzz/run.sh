#!/usr/bin/env bash
# Runs every fuzz target for SECONDS each (default 30) with the installed nightly
# toolchain; exits non-zero on a crash. Installs cargo-fuzz when missing.
set -euo pipefail
cd "$(dirname "$0")"
SECONDS_EACH=${1:-30}
if ! command -v cargo-fuzz >/dev/null 2>&1; then
  cargo install cargo-fuzz --locked --quiet
fi
TOOLCHAIN=+nightly
rustup toolchain list | grep -q '^nightly' || TOOLCHAIN=""
[ -n "$TOOLCHAIN" ] || export RUSTC_BOOTSTRAP=1
for target in $(cargo fuzz list); do
  corpus="corpus/$target"
  mkdir -p "$corpus"
  [ -d "seeds/$target" ] && cp -n seeds/"$target"/* "$corpus"/ 2>/dev/null || true
  echo "fuzz $target for ${SECONDS_EACH}s"
  cargo $TOOLCHAIN fuzz run "$target" "$corpus" -- -max_total_time="$SECONDS_EACH" -rss_limit_mb=2048 -max_len=262144
done
