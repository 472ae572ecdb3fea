#!/usr/bin/env bash
# Build banklink's libFuzzer targets (test/fuzz) with clang, ASan and UBSan,
# replay every committed seed and regression input, then fuzz each target
# for a bounded time. Exits non-zero on any finding: crash, sanitizer
# report, leak, timeout, out-of-memory, failed invariant.
#
#   scripts/fuzz.sh                     every target, 30 s each
#   scripts/fuzz.sh http_reader datetime    only these
#   FUZZ_SECONDS=600 scripts/fuzz.sh    longer
#   scripts/fuzz.sh --replay            seeds + regressions only, no fuzzing
#   scripts/fuzz.sh --merge [target…]   fuzz, then merge what was found into
#                                       the committed corpus (minimised)
#   scripts/fuzz.sh --list              target names
#
# Environment:
#   FUZZ_SECONDS    fuzzing time per target (default 30; 0 = replay only)
#   FUZZ_JOBS       targets fuzzed at the same time (default 1)
#   FUZZ_MAX_LEN    largest input libFuzzer generates (default 8192)
#   FUZZ_BUILD_DIR  build directory (default build-fuzz)
#   FUZZ_ARGS       extra libFuzzer flags, e.g. "-seed=1 -only_ascii=1"
#
# The committed corpus (test/fuzz/corpus/<target>) is never written except
# by --merge: fuzzing works on a copy in $FUZZ_BUILD_DIR/corpus/<target>,
# which is kept between runs so longer sessions build on earlier ones.
# A crash input is saved to $FUZZ_BUILD_DIR/artifacts/<target>/; once the
# bug is fixed, copy it to test/fuzz/regressions/<target>/ so every run
# replays it.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD

TARGETS=(http_reader http_chunked json_unescape json_parse datetime
         heron_link heron_error moneykit_exchange moneykit_token moneykit_error
         http_diff json_diff testkit_script)

mode=fuzz
merge=0
selected=()
for arg in "$@"; do
  case "$arg" in
    --replay) mode=replay ;;
    --merge) merge=1 ;;
    --list) printf '%s\n' "${TARGETS[@]}"; exit 0 ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    -*) echo "fuzz.sh: unknown option $arg" >&2; exit 2 ;;
    *)
      if [[ " ${TARGETS[*]} " != *" $arg "* ]]; then
        echo "fuzz.sh: unknown target $arg (see --list)" >&2; exit 2
      fi
      selected+=("$arg") ;;
  esac
done
[[ ${#selected[@]} -eq 0 ]] && selected=("${TARGETS[@]}")

seconds=${FUZZ_SECONDS:-30}
jobs=${FUZZ_JOBS:-1}
max_len=${FUZZ_MAX_LEN:-8192}
build=${FUZZ_BUILD_DIR:-build-fuzz}
[[ $build = /* ]] || build=$root/$build
extra=${FUZZ_ARGS:-}
if ! [[ $seconds =~ ^[0-9]+$ && $jobs =~ ^[1-9][0-9]*$ && $max_len =~ ^[1-9][0-9]*$ ]]; then
  echo "fuzz.sh: FUZZ_SECONDS, FUZZ_JOBS and FUZZ_MAX_LEN must be whole numbers" >&2; exit 2
fi
[[ $mode = replay ]] && seconds=0

# Flags every run shares: a slow input (5 s) or a 2 GiB footprint is a finding.
common=(-timeout=5 -rss_limit_mb=2048)

echo "=== build $build (clang, -fsanitize=fuzzer,address,undefined)"
mkdir -p "$build"
if ! cmake -S test/fuzz -B "$build" -DCMAKE_C_COMPILER=clang >"$build/configure.log" 2>&1; then
  cat "$build/configure.log"; echo "fuzz.sh: configure failed" >&2; exit 1
fi
if ! cmake --build "$build" -j"$(nproc 2>/dev/null || echo 2)" >/dev/null; then
  cmake --build "$build" -j1 2>&1 | tail -40
  echo "fuzz.sh: build failed" >&2; exit 1
fi

mkdir -p "$build/logs" "$build/results"

# Print a saved crash input in hex so a report can quote it exactly.
show_artifacts() {
  local dir=$1 f
  for f in "$dir"/*; do
    [[ -f $f ]] || continue
    echo "    input saved: $f ($(stat -c %s "$f") bytes)"
    echo "    hex: $(od -An -v -tx1 "$f" | tr -d ' \n' | head -c 4096)"
  done
}

# Replay the committed seeds and regressions of $1 (run, no fuzzing).
replay() {
  local t=$1 bin=$build/fuzz_$1 log=$build/logs/$1.replay.log
  local files=()
  [[ -x $bin ]] || { echo "missing $bin"; return 1; }
  mapfile -d '' files < <(find "test/fuzz/corpus/$t" "test/fuzz/regressions/$t" -type f -print0 2>/dev/null | sort -z)
  if [[ ${#files[@]} -eq 0 ]]; then
    echo "no seeds for $t"; return 1
  fi
  # Files as arguments: each runs once, exactly as stored.
  if ! printf '%s\0' "${files[@]}" | xargs -0 "$bin" "${common[@]}" >"$log" 2>&1; then
    echo "  $t: REPLAY FAILED ($log)"
    grep -E "^Running:" "$log" | tail -1 | sed 's/^/    /'
    grep -E "ERROR|runtime error|invariant failed|DISAGREE|not wiped|cJSON rejects|SUMMARY" "$log" | head -8 | sed 's/^/    /'
    return 1
  fi
  echo "  $t: replayed ${#files[@]} inputs, ok"
}

# Fuzz $1 for $seconds on a work copy of its corpus; writes a result line.
fuzz_one() {
  local t=$1 bin=$build/fuzz_$1 log=$build/logs/$1.fuzz.log
  local work=$build/corpus/$t art=$build/artifacts/$t dict=test/fuzz/dict/$t.dict
  mkdir -p "$work" "$art"
  rm -f "$art"/*
  cp -f "test/fuzz/corpus/$t"/* "$work"/ 2>/dev/null
  find "test/fuzz/regressions/$t" -type f -size +0 -exec cp -f {} "$work"/ \; 2>/dev/null
  local args=("${common[@]}" -max_total_time="$seconds" -max_len="$max_len" -print_final_stats=1
              -artifact_prefix="$art/")
  [[ -f $dict ]] && args+=(-dict="$dict")
  # shellcheck disable=SC2206  # FUZZ_ARGS is a list of flags
  [[ -n $extra ]] && args+=($extra)
  local rc=0
  # libFuzzer stops itself; the outer limit only guards against a wedged process.
  timeout --signal=KILL $((seconds * 2 + 300)) "$bin" "${args[@]}" "$work" >"$log" 2>&1 || rc=$?
  local execs rate corpus
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  corpus=$(find "$work" -type f | wc -l)
  if [[ $rc -ne 0 ]] || grep -qE "ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:|invariant failed" "$log"; then
    echo "$t FAIL ${execs:-?} ${rate:-?} $corpus rc=$rc" >"$build/results/$t"
  else
    echo "$t ok ${execs:-?} ${rate:-?} $corpus" >"$build/results/$t"
  fi
}

status=0
echo "=== replay seeds and regressions"
for t in "${selected[@]}"; do
  replay "$t" || status=1
done

if [[ $seconds -gt 0 ]]; then
  echo "=== fuzz ${#selected[@]} target(s), ${seconds} s each, $jobs at a time"
  rm -f "$build/results"/*
  for t in "${selected[@]}"; do
    while [[ $(jobs -rp | wc -l) -ge $jobs ]]; do wait -n; done
    echo "  $t: fuzzing…"
    fuzz_one "$t" &
  done
  wait

  printf '\n%-20s %-6s %14s %10s %8s\n' target result executions exec/s corpus
  for t in "${selected[@]}"; do
    read -r name result execs rate corpus rest <"$build/results/$t" || { name=$t; result=FAIL; execs=?; rate=?; corpus=?; }
    printf '%-20s %-6s %14s %10s %8s\n' "$name" "$result" "$execs" "$rate" "$corpus"
    if [[ $result != ok ]]; then
      status=1
      echo "  finding in $t ${rest:-} — log: $build/logs/$t.fuzz.log"
      grep -E "ERROR:|runtime error:|invariant failed|DISAGREE|  banklink|  http-parser|    [A-Z_]+, |SUMMARY:|^    #[0-9]+ " "$build/logs/$t.fuzz.log" | head -25 | sed 's/^/    /'
      show_artifacts "$build/artifacts/$t"
    fi
  done

  if [[ $merge -eq 1 && $status -eq 0 ]]; then
    echo "=== merge new inputs into test/fuzz/corpus"
    for t in "${selected[@]}"; do
      before=$(find "test/fuzz/corpus/$t" -type f | wc -l)
      "$build/fuzz_$t" "${common[@]}" -merge=1 -max_len="$max_len" "test/fuzz/corpus/$t" "$build/corpus/$t" \
        >"$build/logs/$t.merge.log" 2>&1 || { echo "  $t: merge failed"; status=1; continue; }
      echo "  $t: $before -> $(find "test/fuzz/corpus/$t" -type f | wc -l) inputs"
    done
  fi
fi

if [[ $status -eq 0 ]]; then
  echo "=== fuzz: no findings"
else
  echo "=== fuzz: FINDINGS (see above)" >&2
fi
exit $status
