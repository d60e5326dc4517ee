#!/usr/bin/env bash
# Runs the example suites (examples/pytest and examples/node) against a tripletex-sandbox binary:
#   examples/run.sh [path/to/tripletex-sandbox]     (default: $TRIPLETEX_SANDBOX_BIN)
# Each suite starts its own emulator with `serve --port 0`. pytest is installed, pinned, into a
# venv under ${CARGO_TARGET_DIR:-target}/examples-venv if it is not there yet; the Node suite needs
# node (20, or Debian's 18) and nothing from npm. Exits non-zero if either suite fails.
set -euo pipefail
cd "$(dirname "$0")/.."

bin="${1:-${TRIPLETEX_SANDBOX_BIN:-}}"
if [ -z "$bin" ]; then
  echo "usage: examples/run.sh path/to/tripletex-sandbox (or set TRIPLETEX_SANDBOX_BIN)" >&2
  exit 2
fi
case "$bin" in
  */*) ;;
  *) bin="$(command -v "$bin" || true)" ;;
esac
if [ ! -x "$bin" ]; then
  echo "examples/run.sh: no executable tripletex-sandbox at '${1:-${TRIPLETEX_SANDBOX_BIN:-}}' (cargo build first)" >&2
  exit 2
fi
export TRIPLETEX_SANDBOX_BIN="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"
unset TRIPLETEX_SANDBOX_URL # the suites start their own emulator from that binary
export PYTHONDONTWRITEBYTECODE=1

venv="${CARGO_TARGET_DIR:-target}/examples-venv"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/python" -c "import pytest" >/dev/null 2>&1 ||
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r examples/pytest/requirements.txt

status=0

echo "--- examples/pytest"
start=$SECONDS
"$venv/bin/python" -m pytest -p no:cacheprovider examples/pytest || status=1
echo "examples/pytest took $((SECONDS - start)) s"

echo "--- examples/node"
start=$SECONDS
node --test examples/node/*.test.mjs || status=1
echo "examples/node took $((SECONDS - start)) s"

exit "$status"
