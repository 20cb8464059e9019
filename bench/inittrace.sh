#!/usr/bin/env bash
# Measures the package initialisation of `vnum --version` with GODEBUG=inittrace=1: the median
# over RUNS runs of the time spent in init of vnum's own packages, and of the libraries vnum
# cannot avoid (the phone-number library, x/text's display tables). It measures; it never fails.
#
# Usage: bash bench/inittrace.sh [path/to/vnum]   (default: builds ./cmd/vnum)
# Environment: RUNS=N (default 31)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bin=${1:-}
if [[ -z $bin ]]; then
	bin=$(mktemp "${TMPDIR:-/tmp}/vnum-init.XXXXXX")
	trap 'rm -f "$bin"' EXIT
	(cd "$root" && go build -o "$bin" ./cmd/vnum)
fi
runs=${RUNS:-31}

# One "key ms" line per package and run, then the median of each key.
for ((i = 0; i < runs; i++)); do
	GODEBUG=inittrace=1 "$bin" --version 2>&1 >/dev/null |
		awk '$1 == "init" { ms = $5 + 0; all += ms
			if ($2 ~ /^github.com\/vnum-cli\//) { own += ms; print $2, ms }
			else if ($2 ~ /phonenumbers|golang.org\/x\/text\/language\/display/) { print $2, ms } }
			END { printf "(vnum-own-total) %.3f\n(all-packages) %.3f\n", own, all }'
done | sort -k1,1 -k2,2g | awk '
	function flush() { if (n) printf "%-56s %8.3f ms\n", key, (n % 2) ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2 }
	$1 != key { flush(); key = $1; n = 0 }
	{ v[++n] = $2 }
	END { flush() }' | sort -k2 -g -r
echo "(medians of $runs runs of GODEBUG=inittrace=1 vnum --version)"
