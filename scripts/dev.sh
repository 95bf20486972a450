#!/usr/bin/env bash
# One entry point for setting up and running site_gen on a fresh machine.
#
#   bash scripts/dev.sh build   set up Python deps, build the bundled catalogue into build/
#   bash scripts/dev.sh serve   set up, then serve with live reload on http://127.0.0.1:8000
#   bash scripts/dev.sh test    set up everything (Python, Node validators, Debian chromium), run all tests
#   bash scripts/dev.sh golden  regenerate the golden output tree of the test fixture site
#   bash scripts/dev.sh bench   benchmark against Hugo and MkDocs at 1k and 10k models (prints ratios)
#
# Every install step is here, so a clean clone needs nothing else: Python
# packages go into .venv, npm tools into node_modules, chromium via apt-get.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=.venv/bin/python

setup_python() {
  local extras="$1" stamp=".venv/.site-gen-installed-${1//,/-}"
  if [ ! -x "$PY" ]; then
    python3 -m venv .venv
  fi
  local want
  want="$(sha256sum pyproject.toml | cut -c1-16)"
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    "$PY" -m pip install --quiet --disable-pip-version-check --upgrade pip
    "$PY" -m pip install --quiet --disable-pip-version-check -e ".[$extras]"
    echo "$want" > "$stamp"
  fi
  # site_gen's own bytecode: an editable install has none, and where PYTHONDONTWRITEBYTECODE is set (as on
  # these machines) Python would compile its modules again on every run, ~0.1-0.2 s of a one-edit rebuild.
  "$PY" -m compileall -q site_gen
}

setup_node() {
  if [ ! -f node_modules/vnu-jar/build/dist/vnu.jar ] || [ ! -d node_modules/lighthouse ] \
      || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    # Lighthouse drives Debian's chromium (CHROME_PATH); it must not download a browser of its own.
    PUPPETEER_SKIP_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error
  fi
}

setup_system() {
  # Debian packages the tests drive: chromium (browser tests), nginx-light (the emitted nginx config).
  local missing=()
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
  [ -x /usr/sbin/nginx ] || command -v nginx >/dev/null 2>&1 || missing+=(nginx-light)
  [ ${#missing[@]} -eq 0 ] && return
  if [ "$(id -u)" != 0 ]; then
    echo "missing: ${missing[*]}; install with: sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

case "${1:-}" in
  build)
    setup_python test
    "$PY" -m site_gen build
    ;;
  serve)
    setup_python test
    "$PY" -m site_gen serve
    ;;
  test)
    setup_python "test,bench"
    setup_node
    setup_system
    "$PY" -m ruff check site_gen tests benchmarks
    "$PY" -m pytest
    "$PY" scripts/lighthouse.py
    ;;
  bench)
    setup_python "test,bench"
    "$PY" benchmarks/run.py "${@:2}"  # add --work /dev/shm to keep disk noise out (needs room for the corpora)
    ;;
  golden)
    setup_python test
    "$PY" tests/regen_golden.py
    ;;
  *)
    sed -n '2,9p' "$0" >&2
    exit 2
    ;;
esac
