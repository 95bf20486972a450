#!/usr/bin/env bash
# Rebuild the bundled catalogue in content/ from the upstream data in ../shared/data.
#
#   bash scripts/import.sh [DATA_DIR]      (default: ../shared/data)
#
# Each import records its source and date; re-running on unchanged data
# changes no file. Hand-written prose and `overrides` blocks are kept.
# An import exits 1 when it rejected upstream entries (they are listed);
# that is the normal state of real upstream data, so this script only
# stops on other failures (exit codes above 1).
set -uo pipefail
cd "$(dirname "$0")/.."
DATA="${1:-../shared/data}"
PY=.venv/bin/python
[ -x "$PY" ] || { python3 -m venv .venv && "$PY" -m pip install --quiet -e ".[test]"; }

run() {
  "$PY" -m site_gen import "$@" 2> >(tail -n 1 >&2)
  local code=$?
  if [ "$code" -gt 1 ]; then echo "import $1 failed with exit code $code" >&2; exit "$code"; fi
}
run models-dev "$DATA/models.dev"
# LiteLLM's wheel carries no date; 2026-11-22 is the day this copy was read into the catalogue.
run litellm "$DATA/litellm/model_prices_and_context_window.json" --checked 2026-11-22
run genai-prices "$DATA/genai-prices"
run models-dev-history "$DATA/models.dev-history/price_history.jsonl"
for name in models.dev litellm genai-prices; do
  cp "$DATA/$name/LICENSE" "licenses/$name-LICENSE"
done
cp "$DATA/models.dev-history/LICENSE" "licenses/models.dev-history-LICENSE"
