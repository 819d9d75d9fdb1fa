#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz (clang, ASan+UBSan) into FUZZ_BUILD_DIR (default
# build-fuzz/) and runs each for SECONDS (default 60) from its seeds in tests/fuzz/corpus/TARGET.
# Fails when any target finds a crash, a leak, a sanitizer report or a timeout; the input that did
# it is kept as FUZZ_BUILD_DIR/fuzz-artifacts/TARGET-crash-... Prints each target's executions and
# coverage (libFuzzer's final stats). See docs/security.md ("Fuzzing and sanitizers").
#
#   tools/run-fuzzers.sh [SECONDS]
#   FUZZ_TARGETS="netlink_fuzzer" tools/run-fuzzers.sh 600     # one target, longer
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
seconds=${1:-60}
build_dir=${FUZZ_BUILD_DIR:-$root/build-fuzz}
targets=(${FUZZ_TARGETS:-protocol_fuzzer config_fuzzer state_file_fuzzer netlink_fuzzer})

"$here/install-deps.sh"
if [[ ! -f $build_dir/build.ninja ]]; then
  CC=clang CXX=clang++ meson setup --prefix=/usr -Db_lundef=false -Dfuzzing=true "$build_dir" "$root"
fi
ninja -C "$build_dir" "${targets[@]/#/tests/fuzz/}"

export ASAN_OPTIONS=${ASAN_OPTIONS:-halt_on_error=1:detect_leaks=1:print_stacktrace=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
mkdir -p "$build_dir/fuzz-artifacts"
status=0
summary=()
for target in "${targets[@]}"; do
  seeds=$root/tests/fuzz/corpus/$target
  # New inputs go to a corpus in the build dir, never into the committed seeds.
  corpus=$build_dir/fuzz-corpus/$target
  log=$build_dir/fuzz-artifacts/$target.log
  mkdir -p "$corpus"
  echo "run-fuzzers: $target for ${seconds}s (log: $log)"
  result=ok
  "$build_dir/tests/fuzz/$target" -max_total_time="$seconds" -timeout=25 -print_final_stats=1 \
    -artifact_prefix="$build_dir/fuzz-artifacts/$target-" "$corpus" "$seeds" >"$log" 2>&1 || result=FAILED
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  last=$(grep -E '^#[0-9]+' "$log" | tail -1 || true)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
  if [[ $result != ok ]]; then
    status=1
    echo "run-fuzzers: $target FAILED; the end of its log:" >&2
    tail -40 "$log" >&2
  fi
  summary+=("$(printf '%-18s %-6s executions %-10s cov %-6s ft %s' "$target" "$result" "${runs:-?}" "${cov:-?}" "${ft:-?}")")
done
echo "run-fuzzers: ${seconds}s per target on $(nproc) cores:"
printf '  %s\n' "${summary[@]}"
exit "$status"
