#!/usr/bin/env bash
# Incremental builds by two or more arshif binaries, taking turns on the
# same corpus and output, so that they share the machine's noise: on a
# noisy machine one run of each says little about a change of 5%.
#
#   benches/incremental.sh OLD_ARSHIF NEW_ARSHIF
#   ROUNDS=8 CORPUS=/path/to/corpus benches/incremental.sh A B
#
# In each round each binary, in turn: adds the story compare.sh adds and
# builds, removes it and builds, edits the story compare.sh edits and
# builds, restores it and builds, and builds once more with nothing
# changed (see stories.sh). It then prints, per binary and kind of build,
# the mean, median and range of the wall time, the mean CPU time (user+sys)
# and the peak RSS.
#
# PAUSE=S waits S seconds before each timed build, as a writer's builds
# are apart: on a virtual machine that gives free memory back to its
# host, what a build frees is gone seconds later, and a build that follows
# right after another finds it at hand (see src/memory.rs).
#
# Each binary patches an output of its own (so binaries of different
# cache or index formats can be compared): the first run brings each up to
# date with a full build. To compare two commits, build each and copy its
# `target/release/arshif` aside. The corpus is left as it was found. The
# outputs stay in BENCH_DIR for the next run (about 3.5 GB each, with its
# cache, at 100,000 articles): delete incremental-out-* to free the space.
#
# env: BENCH_DIR (default: $TMPDIR/arshif-bench), CORPUS (default: the
#      100,000-article corpus compare.sh generates there), ROUNDS (default 4),
#      PAUSE (default 0).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bench=${BENCH_DIR:-${TMPDIR:-/tmp}/arshif-bench}
corpus=${CORPUS:-$bench/corpus-100000}
rounds=${ROUNDS:-4}
pause=${PAUSE:-0}
# shellcheck source=stories.sh
source "$repo/benches/stories.sh"

(($# >= 2)) || { echo "usage: $0 ARSHIF ARSHIF…  (two or more binaries to compare)" >&2; exit 2; }
bins=("$@")
for bin in "${bins[@]}"; do
  [[ -x $bin ]] || { echo "not an executable: $bin" >&2; exit 2; }
done
[[ -x /usr/bin/time ]] || { echo "GNU time (/usr/bin/time) is needed: apt-get install time" >&2; exit 2; }
[[ -f $corpus/site.toml ]] || { echo "no corpus at $corpus: run compare.sh first, or set CORPUS" >&2; exit 2; }
[[ -e $corpus/themes ]] || ln -sfn "$repo/themes" "$corpus/themes"

# output N → the output folder of the Nth binary
output() { echo "$bench/incremental-out-$(basename "$corpus")-$1"; }
log=$bench/incremental.log
: >"$log"
edited=$(middle_story "$corpus")
cp "$edited" "$bench/incremental-edited.bak"
new=
# Whatever happens, the corpus is put back as it was.
trap 'cp "$bench/incremental-edited.bak" "$edited"; [[ -z $new ]] || rm -f "$new"' EXIT

for n in $(seq ${#bins[@]}); do
  echo "bringing $(output "$n") up to date…" >&2
  "${bins[n - 1]}" build --root "$corpus" --output "$(output "$n")" --quiet
done

# build N KIND → one timed build by the Nth binary, appended to the log
build() {
  local bin=${bins[$1 - 1]}
  sync
  sleep "$pause"
  /usr/bin/time -f "$1 $2 %e %U %S %M" -a -o "$log" \
    "$bin" build --root "$corpus" --output "$(output "$1")" --quiet
}

for round in $(seq "$rounds"); do
  echo "round $round of $rounds…" >&2
  for n in $(seq ${#bins[@]}); do
    new=$(new_story "$corpus")
    build "$n" "add"
    rm -f "$new"
    new=
    build "$n" "add"
    edit_story "$edited"
    build "$n" "edit"
    cp "$bench/incremental-edited.bak" "$edited"
    build "$n" "edit"
    build "$n" "no-op"
  done
done

echo "corpus: $corpus ($(find "$corpus/content" -name '*.md' | wc -l) articles), $rounds rounds, ${pause} s before each build"
echo
printf '| %-40s | %-6s | %6s | %6s | %13s | %6s | %8s |\n' binary build "mean s" "median" "range s" "CPU s" "peak MiB"
printf '| %s | %s | %s | %s | %s | %s | %s |\n' --- --- ---: ---: ---: ---: ---:
for n in $(seq ${#bins[@]}); do
  for kind in add edit no-op; do
    awk -v n="$n" -v kind="$kind" -v name="${bins[n - 1]}" '
      $1 == n && $2 == kind { wall[++k] = $3; cpu += $4 + $5; if ($6 > rss) rss = $6 }
      END {
        # sort the wall times (few of them)
        for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (wall[j] < wall[i]) { t = wall[i]; wall[i] = wall[j]; wall[j] = t }
        for (i = 1; i <= k; i++) sum += wall[i]
        median = (k % 2) ? wall[(k + 1) / 2] : (wall[k / 2] + wall[k / 2 + 1]) / 2
        printf "| %-40s | %-6s | %6.2f | %6.2f | %5.2f – %5.2f | %6.2f | %8d |\n",
          name, kind, sum / k, median, wall[1], wall[k], cpu / k, rss / 1024
      }' "$log"
  done
done
