#!/usr/bin/env bash
# Demo: build the host tool, start the local mock server of both APIs, and
# make the two seed calls through banklink. Nothing leaves this machine.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cmake -S . -B build -DBL_BUILD_TESTS=OFF >/dev/null
cmake --build build -j"$(nproc 2>/dev/null || echo 2)" --target banklink >/dev/null

portfile=$(mktemp)
python3 test/mock/mock_server.py --port 0 --port-file "$portfile" &
mock=$!
trap 'kill $mock 2>/dev/null || true; rm -f "$portfile"' EXIT
for _ in $(seq 50); do [ -s "$portfile" ] && break; sleep 0.1; done
url="http://127.0.0.1:$(cat "$portfile")"

echo "\$ banklink --base-url $url heron update-link M5eVJqLnv3tbzdngLDp9FL5OlDNxlNhlE55op --access-token access-sandbox-…"
HERON_API_KEY=test-heron-key ./build/banklink --base-url "$url" \
  heron update-link M5eVJqLnv3tbzdngLDp9FL5OlDNxlNhlE55op \
  --access-token access-sandbox-de3ce8ef-33f8-452c-a685-8671031fc0f6
echo
echo "\$ banklink --base-url $url moneykit exchange-token c7318ff7-257c-490e-8242-03a815b223b7"
MONEYKIT_CLIENT_ID=test-client-id MONEYKIT_CLIENT_SECRET=test-client-secret ./build/banklink \
  --base-url "$url" moneykit exchange-token c7318ff7-257c-490e-8242-03a815b223b7
