#!/usr/bin/env bash
# Runs the example suites against a tripletex-sandbox binary or a running emulator:
#   examples/run.sh path/to/tripletex-sandbox    each suite starts its own emulator (serve --port 0)
#   examples/run.sh http://127.0.0.1:8080        the suites use that emulator (TRIPLETEX_SANDBOX_URL)
# With no argument: $TRIPLETEX_SANDBOX_URL, else $TRIPLETEX_SANDBOX_BIN, else tripletex-sandbox on PATH.
#
# examples/pytest runs through the pytest-tripletex-sandbox plugin, installed from
# packages/python (editable, with pytest pinned) into a venv under
# ${CARGO_TARGET_DIR:-target}/examples-venv; examples/node through the tripletex-sandbox npm
# package's helpers, linked from packages/npm (node 18 or later, nothing from npm).
# tools/packages-test runs the same suites through the built wheel and npm tarball instead.
# Exits non-zero if either suite fails.
set -euo pipefail
cd "$(dirname "$0")/.."

target="${1:-${TRIPLETEX_SANDBOX_URL:-${TRIPLETEX_SANDBOX_BIN:-tripletex-sandbox}}}"
case "$target" in
  http://* | https://*)
    status=$(curl -s -o /dev/null -w '%{http_code}' "${target%/}/_sandbox/health" || true)
    if [ "$status" != 200 ]; then
      echo "examples/run.sh: no emulator answers at $target (GET /_sandbox/health: ${status:-no answer})" >&2
      exit 2
    fi
    export TRIPLETEX_SANDBOX_URL="${target%/}"
    unset TRIPLETEX_SANDBOX_BIN
    ;;
  *)
    case "$target" in
      */*) bin="$target" ;;
      *) bin="$(command -v "$target" || true)" ;;
    esac
    if [ ! -x "$bin" ]; then
      echo "examples/run.sh: no executable tripletex-sandbox at '$target' (cargo build first, or give a URL)" >&2
      exit 2
    fi
    export TRIPLETEX_SANDBOX_BIN="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"
    unset TRIPLETEX_SANDBOX_URL # the suites start their own emulator from that binary
    ;;
esac
export PYTHONDONTWRITEBYTECODE=1

venv="${CARGO_TARGET_DIR:-target}/examples-venv"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
if ! "$venv/bin/python" -c "import pytest, pytest_tripletex_sandbox" >/dev/null 2>&1; then
  "$venv/bin/pip" install --quiet --disable-pip-version-check pytest==8.4.2
  # --no-deps: the plugin's other dependency is the binary's wheel; this run has its binary.
  "$venv/bin/pip" install --quiet --disable-pip-version-check --no-deps -e packages/python/pytest-tripletex-sandbox
fi

# `import 'tripletex-sandbox'` in examples/node resolves to this checkout's package.
mkdir -p examples/node/node_modules
ln -sfn ../../../packages/npm examples/node/node_modules/tripletex-sandbox

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
