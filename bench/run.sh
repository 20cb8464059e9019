#!/usr/bin/env bash
# Measures vnum's start-up and `vnum list` over 1,000 sandbox numbers, and prints the mean,
# median and minimum wall time of each. It measures; it never fails on a slow figure (the
# targets are shown beside the numbers). The Twilio adapter has its own Go benchmark:
#
#	go test -run XXX -bench List1000 -benchtime 5x ./providers/twilio/
#
# Usage: bash bench/run.sh
#
# Environment:
#	RUNS=N           runs per measurement (default: hyperfine decides; 50 in the plain loop)
#	BENCH_PLAIN=1    use the plain shell loop even when hyperfine is installed
#	KEEP=1           keep the temporary directory (binary and the 1,000-number store)
#
# Uses hyperfine when installed (apt-get install -y hyperfine, brew install hyperfine, or
# cargo install hyperfine), else a plain loop timed with the shell's clock.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/vnum-bench.XXXXXX")
cleanup() {
	if [[ ${KEEP:-} == 1 ]]; then
		echo "kept $tmp" >&2
	else
		rm -rf "$tmp"
	fi
}
trap cleanup EXIT

# Nothing from the caller's environment may change what is measured: no other carrier, no
# sandbox latency or failure injection, no real configuration, data or keyring.
while read -r name; do
	unset "$name"
done < <(compgen -e | grep -E '^(VNUM_|TWILIO_)' || true)
export VNUM_CONFIG_DIR=$tmp/config VNUM_DATA_DIR=$tmp/data
export DBUS_SESSION_BUS_ADDRESS=unix:path=/nonexistent
export NO_COLOR=1
mkdir -p "$VNUM_CONFIG_DIR" "$VNUM_DATA_DIR"

vnum=$tmp/vnum
echo "building vnum (CGO_ENABLED=0 go build -trimpath) ..." >&2
(cd "$root" && CGO_ENABLED=0 go build -trimpath -o "$vnum" ./cmd/vnum)

use_hyperfine=0
if [[ ${BENCH_PLAIN:-} != 1 ]] && command -v hyperfine >/dev/null 2>&1; then
	use_hyperfine=1
elif [[ ${BENCH_PLAIN:-} != 1 ]]; then
	echo "hyperfine not found: using a plain loop (less precise)." >&2
	echo "  install it with: apt-get install -y hyperfine  (or brew/cargo install hyperfine)" >&2
fi

# stamp sets REPLY to the wall clock in nanoseconds, without forking when bash has
# EPOCHREALTIME (bash 5), else with date +%s%N.
stamp() {
	if [[ -n ${EPOCHREALTIME:-} ]]; then
		REPLY=$((10#${EPOCHREALTIME//[!0-9]/} * 1000))
	else
		REPLY=$(date +%s%N)
	fi
}

rows=()

# measure NAME TARGET_MS COMMAND... runs the command (output discarded) and adds a row
# "name|target|mean|median|min|runs" in milliseconds.
measure() {
	local name=$1 target=$2
	shift 2
	echo "measuring: $name ..." >&2
	local mean median min runs
	if ((use_hyperfine)); then
		local csv=$tmp/hyperfine.csv json=$tmp/hyperfine.json
		local args=(--shell=none --warmup 5 --style basic --export-csv "$csv" --export-json "$json" --command-name "$name")
		[[ -n ${RUNS:-} ]] && args+=(--runs "$RUNS")
		local cmd
		printf -v cmd '%q ' "$@"
		hyperfine "${args[@]}" "$cmd" >&2
		# command,mean,stddev,median,user,system,min,max in seconds; the name may hold commas,
		# so count fields from the end.
		read -r mean median min < <(awk -F, 'NR == 2 { printf "%.1f %.1f %.1f\n", $(NF-6)*1000, $(NF-4)*1000, $(NF-1)*1000 }' "$csv")
		# the run count is only in the JSON: one "exit_codes" entry per run.
		runs=$(tr -d ' \n' <"$json" | sed -n 's/.*"exit_codes":\[\([0-9,]*\)\].*/\1/p' | tr ',' '\n' | grep -c . || true)
	else
		runs=${RUNS:-50}
		local i t0 t1 times=$tmp/times
		: >"$times"
		for ((i = 0; i < 3; i++)); do "$@" >/dev/null; done # warm-up
		for ((i = 0; i < runs; i++)); do
			stamp
			t0=$REPLY
			"$@" >/dev/null
			stamp
			t1=$REPLY
			echo $((t1 - t0)) >>"$times"
		done
		read -r mean median min < <(sort -n "$times" | awk '
			{ v[NR] = $1; sum += $1 }
			END {
				med = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
				printf "%.1f %.1f %.1f\n", sum / NR / 1e6, med / 1e6, v[1] / 1e6
			}')
	fi
	rows+=("$name|< $target ms|$mean|$median|$min|${runs:-?}|$(awk -v m="$mean" -v t="$target" 'BEGIN { print (m < t) ? "ok" : "OVER" }')")
}

# a. Start-up: a fresh process each run (the binary is in the page cache after the warm-up).
measure "vnum --version" 15 "$vnum" --version

# b. `vnum list` over 1,000 numbers bought from the sandbox the ordinary way. Three buyers run
# side by side on disjoint stock (US local 202/212/312/415/617 555-01xx, US mobile
# 310/646/773 555-01xx, CA local 416/514/604 555-01xx), so none loses a race for a number.
echo "buying 1,000 sandbox numbers (vnum buy, three at a time) ..." >&2
fill() {
	local country=$1 type=$2 n=$3 i
	for ((i = 0; i < n; i++)); do
		"$vnum" buy --country "$country" --type "$type" -q >/dev/null
	done
}
stamp
fill_start=$REPLY
pids=()
fill US local 500 &
pids+=($!)
fill US mobile 300 &
pids+=($!)
fill CA local 200 &
pids+=($!)
for pid in "${pids[@]}"; do
	wait "$pid" || {
		echo "filling the store failed" >&2
		exit 1
	}
done
stamp
echo "  done in $(((REPLY - fill_start) / 1000000)) ms" >&2
owned=$("$vnum" list | wc -l)
if ((owned != 1000)); then
	echo "the store holds $owned numbers, want 1000" >&2
	exit 1
fi

measure "vnum list (1,000 sandbox numbers)" 100 "$vnum" list

echo
echo "$("$vnum" --version | head -n1), $(go env GOVERSION) $(go env GOOS)/$(go env GOARCH), $(nproc) cores, $(if ((use_hyperfine)); then hyperfine --version; else echo "plain loop"; fi)"
echo
row() { printf '%-36s %-10s %9s %11s %8s %6s  %s\n' "$@"; }
row what target "mean ms" "median ms" "min ms" runs ""
for r in "${rows[@]}"; do
	IFS='|' read -r -a f <<<"$r"
	row "${f[@]}"
done
