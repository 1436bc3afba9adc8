#!/usr/bin/env bash
# Runs every Go fuzz target of the module for FUZZTIME (default 60s) each.
# Usage: scripts/fuzz.sh [fuzztime]
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
fuzztime="${1:-${FUZZTIME:-60s}}"

# `go test -list` prints the matching names of a package, then a line
# "ok  <import path> <time>" naming the package they belong to.
listing="$(go test -list 'Fuzz.*' ./...)"
targets=()
names=()
while IFS= read -r line; do
	case "$line" in
	Fuzz*) names+=("$line") ;;
	ok*)
		pkg="$(awk '{print $2}' <<<"$line")"
		for n in "${names[@]+"${names[@]}"}"; do targets+=("$pkg $n"); done
		names=()
		;;
	esac
done <<<"$listing"

if [ "${#targets[@]}" -eq 0 ]; then
	echo "fuzz: no fuzz targets found"
	exit 0
fi
for t in "${targets[@]}"; do
	read -r pkg name <<<"$t"
	echo "=== fuzz $pkg $name ($fuzztime)"
	# Go's fuzzer sometimes ends a run with a bare "context deadline
	# exceeded" when the time is up while a worker is still busy (no failing
	# input is written). That is not a finding: run the target once more.
	# A real finding always writes "Failing input written to testdata/fuzz/".
	for attempt in 1 2; do
		out="$(go test -run='^$' -fuzz="^${name}\$" -fuzztime="$fuzztime" -fuzzminimizetime="${FUZZMINIMIZETIME:-1s}" "$pkg" 2>&1)" && { echo "$out" | tail -n 2; break; }
		echo "$out"
		if [ "$attempt" = 1 ] && grep -q 'context deadline exceeded' <<<"$out" && ! grep -q 'Failing input written' <<<"$out"; then
			echo "fuzz: $name stopped on the fuzzer's own deadline, not on an input; running it again"
			continue
		fi
		exit 1
	done
done
