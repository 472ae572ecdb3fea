#!/usr/bin/env bash
# Record the test kit's vendor fixtures (port/testkit/fixtures/NAME.script)
# from the project's mock server, with the host tool's --record:
#
#   scripts/record_fixtures.sh [TOOL [OUTDIR]]   # default build/banklink, port/testkit/fixtures
#   scripts/record_fixtures.sh --check TOOL DIR  # record into DIR, compare with the committed ones
#
# For each fixture a fresh mock starts with the behaviours and seed that
# make the answer (test/mock/README.md), the tool runs the one call
# (--retries 0: a fixture is one exchange; a test chains two for a retry),
# and scripts/fixture_post.py turns the record into a fixture: no
# `connect`, `request METHOD PATTERN` without the bytes sent, the answers
# as the mock sent them. Afterwards regenerate the C:
#   python3 port/testkit/gen_fixtures.py
# --check is CTest's testkit.fixtures_recorded: every fixture recorded
# again must equal the committed one, up to the Date header, request_id
# and the link times the mock stamps with its clock (fixture_post.py).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
check=0
if [ "${1:-}" = "--check" ]; then
  check=1
  shift
fi
tool=$(realpath "${1:-$root/build/banklink}")
out=${2:-$root/port/testkit/fixtures}
[ -x "$tool" ] || { echo "record_fixtures: no tool at $tool (build it first)" >&2; exit 2; }
mkdir -p "$out"
out=$(realpath "$out")
work=$(mktemp -d)
mock_pid=
cleanup() {
  if [ -n "$mock_pid" ]; then kill "$mock_pid" 2>/dev/null || true; wait "$mock_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

ITEM=M5eVJqLnv3tbzdngLDp9FL5OlDNxlNhlE55op            # the vendors' documented examples
TOKEN=access-sandbox-de3ce8ef-33f8-452c-a685-8671031fc0f6
EXCHANGEABLE=c7318ff7-257c-490e-8242-03a815b223b7
LINK=mk_eqkWN34UEoa2NxyALG8pcV
export HERON_API_KEY=test-heron-key MONEYKIT_ACCESS_TOKEN=test-static-token
CREDS=(MONEYKIT_ACCESS_TOKEN= MONEYKIT_CLIENT_ID=test-client-id MONEYKIT_CLIENT_SECRET=test-client-secret)

start_mock() {
  rm -f "$work/port"
  python3 "$root/test/mock/mock_server.py" --port 0 --port-file "$work/port" "$@" >"$work/mock.log" 2>&1 &
  mock_pid=$!
  for _ in $(seq 100); do [ -s "$work/port" ] && break; sleep 0.05; done
  [ -s "$work/port" ] || { echo "record_fixtures: the mock did not start" >&2; cat "$work/mock.log" >&2; exit 1; }
  url="http://127.0.0.1:$(cat "$work/port")"
}

stop_mock() {
  kill "$mock_pid" 2>/dev/null || true
  wait "$mock_pid" 2>/dev/null || true
  mock_pid=
}

# call [VAR=value...] ARGS: a call that is not recorded (state for the next one).
call() {
  local envs=()
  while [[ "${1:-}" == *=* && "$1" != -* ]]; do envs+=("$1"); shift; done
  env "${envs[@]}" "$tool" --base-url "$url" --retries 0 "$@" >/dev/null
}

# record NAME EXIT "DESCRIPTION" [VAR=value...] ARGS: the recorded call.
record() {
  local name=$1 want=$2 desc=$3
  shift 3
  local envs=()
  while [[ "${1:-}" == *=* && "$1" != -* ]]; do envs+=("$1"); shift; done
  local rc=0
  env "${envs[@]}" "$tool" --base-url "$url" --retries 0 --record "$work/$name.raw" "$@" \
    >"$work/out" 2>"$work/err" || rc=$?
  if [ "$rc" != "$want" ]; then
    echo "record_fixtures: $name: exit $rc, expected $want" >&2
    cat "$work/err" "$work/mock.log" >&2
    exit 1
  fi
  python3 "$root/scripts/fixture_post.py" post "$work/$name.raw" "$out/$name.script" "$name" "$desc"
  count=$((count + 1))
}

# fixture NAME EXIT "DESCRIPTION" MOCK_ARGS... -- [VAR=value...] ARGS
fixture() {
  local name=$1 want=$2 desc=$3
  shift 3
  local mock_args=()
  while [ "$1" != "--" ]; do mock_args+=("$1"); shift; done
  shift
  start_mock "${mock_args[@]}"
  record "$name" "$want" "$desc" "$@"
  stop_mock
}

count=0
UPDATE=(heron update-link "$ITEM" --access-token "$TOKEN")

fixture HERON_UPDATE_LINK_OK 0 "Heron update-link: 200 with the integration link (the vendor's documented example)" \
  -- "${UPDATE[@]}"
fixture HERON_UPDATE_LINK_400 4 "Heron update-link: 400 Bad Request error body (mock behaviour error:400)" \
  --behaviour error:400 -- "${UPDATE[@]}"
fixture HERON_UPDATE_LINK_401 4 "Heron update-link: 401 'Invalid API key' (a wrong x-api-key)" \
  -- HERON_API_KEY=wrong-key "${UPDATE[@]}"
fixture HERON_UPDATE_LINK_404 4 "Heron update-link: 404 Not Found error body (mock behaviour error:404)" \
  --behaviour error:404 -- "${UPDATE[@]}"
fixture HERON_UPDATE_LINK_422 4 "Heron update-link: 422 Unprocessable Entity with the field errors (mock behaviour unprocessable)" \
  --behaviour unprocessable -- "${UPDATE[@]}"
fixture HERON_UPDATE_LINK_429 4 "Heron update-link: 429 with Retry-After: 30 and x-ratelimit-* headers" \
  --behaviour status:429 --behaviour retry_after:30 --behaviour ratelimit -- "${UPDATE[@]}"
fixture HERON_UPDATE_LINK_500 4 "Heron update-link: 500 Internal Server Error error body, no Retry-After" \
  --behaviour error:500 -- "${UPDATE[@]}"

CREATE=(heron create-link int_mock_assets --item-id "$ITEM" --end-user-id end-user-1 --access-token "$TOKEN"
        --end-user-name "Ada")
fixture HERON_CREATE_LINK_OK 0 "Heron create-link: 201 with the new link (status pending, data_source_heron_id)" \
  -- "${CREATE[@]}"
start_mock
call "${CREATE[@]}"
record HERON_CREATE_LINK_409 4 "Heron create-link: 409 Conflict, the item id has an active link already" "${CREATE[@]}"
stop_mock
start_mock
call "${CREATE[@]}"
record HERON_REFRESH_LINK_OK 0 "Heron refresh-link: 200 with the link, status syncing" \
  heron refresh-link int_mock_assets "$ITEM"
stop_mock
fixture HERON_REFRESH_LINK_404 4 "Heron refresh-link: 404 'Integration link ... not found' (no such link)" \
  -- heron refresh-link int_mock_assets item-unknown
start_mock
call "${CREATE[@]}"
record HERON_DELETE_LINKS_OK 0 "Heron delete-links: 204, no body" heron delete-links int_mock_assets end-user-1
stop_mock
fixture HERON_LIST_LINKS_OK 0 "Heron list-links: 200 with 3 links of varied shapes (Content-Length)" \
  --heron-links 3 -- heron list-links end-user-bulk
fixture HERON_LIST_LINKS_CHUNKED 0 "Heron list-links: 200 with 8 links, chunked (3 chunks, an extension and a trailer)" \
  --heron-links 8 --behaviour chunked -- heron list-links end-user-bulk

fixture MONEYKIT_TOKEN_OK 0 "MoneyKit POST /auth/token: 201 with a bearer token (the token is masked: stars), expires_in 3600" \
  -- "${CREDS[@]}" moneykit token
fixture MONEYKIT_TOKEN_401 4 "MoneyKit POST /auth/token: 401 api_error.auth.unauthorized (wrong client secret)" \
  -- MONEYKIT_ACCESS_TOKEN= MONEYKIT_CLIENT_ID=test-client-id MONEYKIT_CLIENT_SECRET=wrong moneykit token
fixture MONEYKIT_EXCHANGE_OK 0 "MoneyKit exchange-token: 201 with the new link (the vendor's documented example)" \
  -- moneykit exchange-token "$EXCHANGEABLE"
fixture MONEYKIT_EXCHANGE_EXPIRED_TOKEN 4 "MoneyKit exchange-token: 401 api_error.auth.expired_access_token" \
  --behaviour expire_token -- moneykit exchange-token "$EXCHANGEABLE"
start_mock
call moneykit exchange-token "$EXCHANGEABLE"
record MONEYKIT_EXCHANGE_INVALID_TOKEN 4 \
  "MoneyKit exchange-token: 400 link_session_error.invalid_token_exchange (the token was exchanged already)" \
  moneykit exchange-token "$EXCHANGEABLE"
stop_mock
fixture MONEYKIT_EXCHANGE_429 4 "MoneyKit exchange-token: 429 api_error.rate_limit_exceeded with Retry-After: 30" \
  --behaviour status:429 --behaviour retry_after:30 -- moneykit exchange-token "$EXCHANGEABLE"
fixture MONEYKIT_EXCHANGE_503 4 "MoneyKit exchange-token: 503 api_error.service_unavailable, no Retry-After" \
  --behaviour error:503 -- moneykit exchange-token "$EXCHANGEABLE"
fixture MONEYKIT_EXCHANGE_DROPPED 3 \
  "MoneyKit exchange-token: the connection closes after the request, no answer (outcome unknown)" \
  --behaviour close_before_response -- moneykit exchange-token "$EXCHANGEABLE"
start_mock
call moneykit exchange-token "$EXCHANGEABLE"
record MONEYKIT_GET_LINK_OK 0 "MoneyKit get-link: 200 with the link of the documented exchange" moneykit get-link "$LINK"
stop_mock
fixture MONEYKIT_GET_LINK_NOT_FOUND 4 "MoneyKit get-link: 404 api_error.link.not_found" \
  -- moneykit get-link mk_unknown
fixture MONEYKIT_GET_LINK_EXPIRED_TOKEN 4 "MoneyKit get-link: 401 api_error.auth.expired_access_token" \
  --behaviour expire_token -- moneykit get-link "$LINK"
start_mock
call moneykit exchange-token "$EXCHANGEABLE"
record MONEYKIT_DELETE_LINK_OK 0 "MoneyKit delete-link: 200, no body" moneykit delete-link "$LINK"
stop_mock
fixture MONEYKIT_LIST_LINKS_PAGES 0 "MoneyKit list-links: 5 links in 3 pages of 2, 2 and 1 (next_cursor, then \"\")" \
  --moneykit-links 5 -- moneykit list-links --page-size 2

echo "record_fixtures: $count fixtures recorded into $out"
if [ "$check" = 1 ]; then
  python3 "$root/scripts/fixture_post.py" compare "$root/port/testkit/fixtures" "$out"
fi
