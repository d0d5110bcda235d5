#!/usr/bin/env bash
# arshif against its peers, on generated Arabic news archives.
#
#   benches/compare.sh                 # 1,000, 10,000 and 100,000 articles
#   SIZES="10000" benches/compare.sh   # one size
#   VOCABULARY=news SIZES="10000" benches/compare.sh
#
# For each size, a corpus is generated once (gen_corpus.py, seed 1) in
# $BENCH_DIR, outside the repository (with VOCABULARY=news, copied once more
# by news_vocabulary.py, which gives its bodies a news archive's vocabulary:
# gen_corpus.py's is about a thousand Arabic words), and built:
#   - by Hugo (and Zola when $ZOLA points at a binary) through the shared
#     run_peers.sh, which converts the corpus for them. Peers are skipped at
#     100,000 unless PEERS_AT_100K=1 (Hugo needs about 5 minutes and 11 GiB
#     there);
#   - by arshif (release build) from scratch and by Hugo (where it runs),
#     in turns, FULL_ROUNDS times (default 3): the medians and the ratio of
#     each round are reported, since the machine's speed can change between
#     two builds (at 100,000 articles, without Hugo, the same full build
#     has taken 21 to 30 s, and the rebuilds are a share of its median);
#   - the floor: `cp -r` of arshif's own output tree, after each of
#     arshif's full builds (the median and each round's ratio are reported);
#   - by arshif, in the same rounds, the same site without a search page
#     (so without the search index): what the index costs the build, beside
#     the same copies (below 100,000 articles);
#   - by arshif again: a no-op rebuild, then ROUNDS times (default 3) one
#     story added and one edited, each undone by a build after it, and a
#     no-op rebuild (incremental builds: the median is reported, and the
#     first, which comes right after the full builds and is the slowest).
# It prints wall time, CPU time (user+sys), peak RSS, pages, files and
# output bytes for each build, and arshif's ratios to the peers and to the
# floor, all measured in the same run (these machines are noisy: compare
# ratios, not seconds across runs); and from each size to the next, how
# the full build grew in wall time, user CPU time (arshif's own work) and
# system time (the kernel's), beside the floor's copy.
#
# Outputs replaced during the run are moved into $BENCH_DIR/trash and
# deleted only at the end: on ext4, creating tens of thousands of files
# just after deleting as many makes the kernel skip the recently freed
# inodes one by one, which would charge a build for the deletion before it.
# For the same reason a run that starts within six minutes of the last
# one's end waits until then, the timed rounds wait six minutes after
# run_peers.sh (which deletes what it made the time before), and a run
# started while another runs on the same $BENCH_DIR (or still deletes its
# trash) waits for it to end.
#
# env: BENCH_DIR (default: $TMPDIR/arshif-bench), BENCH_TOOLS (the folder
#      holding gen_corpus.py and run_peers.sh; default: ../shared/bench next
#      to the repository), SEED (default 1), ROUNDS (default 3), FULL_ROUNDS,
#      HUGO, ZOLA, PEERS_AT_100K, VOCABULARY (generated, the default, or
#      news).
set -euo pipefail
# The whole script is one block, read before it runs: bash reads a script as
# it goes, and a run of half an hour would otherwise run whatever an edit
# made of the lines it had not reached.
{

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
tools=${BENCH_TOOLS:-$repo/../shared/bench}
bench=${BENCH_DIR:-${TMPDIR:-/tmp}/arshif-bench}
sizes=${SIZES:-1000 10000 100000}
seed=${SEED:-1}
rounds=${ROUNDS:-3}
HUGO=${HUGO:-hugo}
vocabulary=${VOCABULARY:-generated}
case $vocabulary in
  generated) suffix= ;;
  news) suffix=-news ;;
  *) echo "VOCABULARY must be generated or news, not $vocabulary" >&2; exit 2 ;;
esac

[[ -f $tools/gen_corpus.py ]] || { echo "gen_corpus.py not found in $tools (set BENCH_TOOLS)" >&2; exit 2; }
[[ -x /usr/bin/time ]] || { echo "GNU time (/usr/bin/time) is needed: apt-get install time" >&2; exit 2; }
mkdir -p "$bench"
# One run at a time: the lock is held to the end, trash deletion included.
exec 9>"$bench/.lock"
if ! flock -n 9; then
  echo "another compare.sh is running on $bench: waiting for it to end" >&2
  flock 9
fi
# shellcheck source=stories.sh
source "$repo/benches/stories.sh"

echo "building arshif (release)…" >&2
(cd "$repo" && cargo build --release --quiet)
arshif=$repo/target/release/arshif

trash=$bench/trash
mkdir -p "$trash"
# When files were last deleted in $BENCH_DIR; the kernel skips the inodes
# freed for up to five minutes (while their table is not written back).
deleted_at=$bench/.trash-deleted-at
# settle WHAT → waits until six minutes after that deletion (WHAT says whose)
settle() {
  [[ -f $deleted_at ]] || return 0
  local wait_s=$(($(cat "$deleted_at") + 360 - $(date +%s)))
  if ((wait_s > 0)); then
    echo "waiting ${wait_s}s: $1 $((360 - wait_s))s ago" >&2
    sleep "$wait_s"
  fi
}
settle "the last run deleted its outputs"
empty_trash() { rm -rf "$trash"; date +%s >"$deleted_at"; }
# discard PATH… → moves them out of the way, to be deleted at the end
discard() {
  local p
  for p in "$@"; do
    [[ -e $p ]] && mv "$p" "$(mktemp -d "$trash/XXXXXX")/"
  done
  return 0
}
trap empty_trash EXIT

# timed NAME CMD… → sets wall, cpu, rss (MiB) and prints nothing
timed() {
  local log=$bench/time.log
  # The disk's room is shown too: a command that fails for want of it
  # (the floor's copy of a 100,000-article output needs some 3.5 GB more)
  # cannot write its message to cmd.log either.
  /usr/bin/time -f '%e %U %S %M' -o "$log" "$@" >"$bench/cmd.log" 2>&1 || {
    echo "FAILED: $*" >&2; tail -20 "$bench/cmd.log" >&2; df -h "$bench" >&2; return 1; }
  read -r wall user sys kib <"$log"
  cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN{printf "%.2f", u+s}')
  rss=$((kib / 1024))
}

count() { # DIR → "html files bytes"
  local html files bytes
  html=$(find "$1" -name '*.html' -type f | wc -l)
  files=$(find "$1" -type f | wc -l)
  bytes=$(find "$1" -type f -printf '%s\n' | awk '{s+=$1} END{printf "%.0f", s}')
  echo "$html $files $bytes"
}

row() { # NAME WALL CPU RSS HTML FILES BYTES
  printf '| %-28s | %8s | %8s | %7s | %7s | %7s | %13s |\n' "$@"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (b > 0) printf "%.2f", a/b; else print "–" }'; }
# percent A B → A as a percentage of B (the incremental targets are a few percent)
percent() { awk -v a="$1" -v b="$2" 'BEGIN{ if (b > 0) printf "%.2f%%", 100*a/b; else print "–" }'; }
# median N… → the median of the numbers, to two decimals
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { printf "%.2f", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# largest N… → the largest of the numbers
largest() { printf '%s\n' "$@" | sort -g | tail -1; }

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -sr)"
echo "arshif: $("$arshif" --version)"
command -v "$HUGO" >/dev/null 2>&1 && echo "hugo: $("$HUGO" version | head -1)"

for n in $sizes; do
  corpus=$bench/corpus-$n
  if [[ ! -f $corpus/site.toml ]]; then
    echo "generating $n articles…" >&2
    python3 "$tools/gen_corpus.py" --articles "$n" --seed "$seed" --out "$corpus" >&2
  fi
  if [[ -n $suffix ]]; then
    generated=$corpus corpus=$bench/corpus-$n$suffix
    if [[ ! -f $corpus/site.toml ]]; then
      echo "rewriting $n articles with a $vocabulary vocabulary…" >&2
      python3 "$repo/benches/news_vocabulary.py" --seed "$seed" "$generated" "$corpus" >&2
    fi
  fi
  ln -sfn "$repo/themes" "$corpus/themes"
  out=$bench/out-$n$suffix
  # The same site without a search page (the themes' search.html), hence
  # without a search index: what the index costs, measured in the same
  # rounds. Not at 100,000 (its outputs would need some 10 GB more disk
  # until the trash is emptied).
  bare=
  if [[ $n -lt 100000 ]]; then
    bare=$bench/nosearch-$n$suffix bare_out=$bench/out-$n$suffix-nosearch
    mkdir -p "$bare"
    ln -sfn "$corpus/content" "$bare/content"
    cp "$corpus/site.toml" "$bare/site.toml"
    discard "$bare/themes"
    cp -r "$repo/themes" "$bare/themes"
    rm -f "$bare"/themes/*/templates/search.html
  fi
  echo
  echo "### $n articles, $vocabulary vocabulary ($(du -sb "$corpus/content" | cut -f1) bytes of Markdown)"
  echo
  row build "wall s" "cpu s" "RSS MiB" pages files bytes
  row --- ---: ---: ---: ---: ---: ---:

  # The peers first: run_peers.sh converts the corpus for them.
  peers_log=$bench/peers-$n$suffix.log
  : >"$peers_log"
  work=$bench/peers-$n$suffix
  if [[ $n -ge 100000 && -z ${PEERS_AT_100K:-} ]]; then
    echo "(peers skipped at $n: set PEERS_AT_100K=1)" >"$peers_log"
    hugo=
  else
    RUNS=1 bash "$tools/run_peers.sh" "$corpus" "$work" >"$peers_log" 2>&1 || true
    hugo=$([[ -d $work/hugo-site ]] && command -v "$HUGO" || true)
    # run_peers.sh deletes its copy of the corpus and the converted site
    # it made last time (its own figures pay for that, not the rounds').
    date +%s >"$deleted_at"
    settle "run_peers.sh deleted its copies"
  fi

  # Full builds from scratch, each followed by the floor (a copy of the
  # output it wrote) and by Hugo's build: the three in turns, so that each
  # round's ratios compare runs that met the same machine (its speed can
  # change by half within an hour, and one copy can be slowed by write-back
  # as much as a build can).
  full_rounds=${FULL_ROUNDS:-3}
  declare -a full_walls=() full_cpus=() full_users=() full_syss=() full_rss=() hugo_walls=() hugo_cpus=() hugo_rss=() round_ratios=()
  declare -a floor_walls=() floor_cpus=() floor_users=() floor_syss=() floor_rss=() floor_ratios=()
  declare -a bare_walls=() bare_cpus=() bare_users=() bare_syss=() bare_rss=() bare_ratios=()
  for ((r = 0; r < full_rounds; r++)); do
    discard "$out" "$bench/.out-$n$suffix.arshif-cache"
    sync
    timed "$arshif" build --root "$corpus" --output "$out" --quiet
    full_walls+=("$wall") full_cpus+=("$cpu") full_users+=("$user") full_syss+=("$sys") full_rss+=("$rss")
    discard "$bench/floor"
    sync
    timed cp -r "$out" "$bench/floor"
    floor_walls+=("$wall") floor_cpus+=("$cpu") floor_users+=("$user") floor_syss+=("$sys") floor_rss+=("$rss")
    floor_ratios+=("$(ratio "${full_walls[r]}" "$wall")")
    if [[ -n $bare ]]; then
      discard "$bare_out" "$bench/.out-$n$suffix-nosearch.arshif-cache"
      sync
      timed "$arshif" build --root "$bare" --output "$bare_out" --quiet
      bare_walls+=("$wall") bare_cpus+=("$cpu") bare_users+=("$user") bare_syss+=("$sys") bare_rss+=("$rss")
      bare_ratios+=("$(ratio "$wall" "${floor_walls[r]}")")
    fi
    if [[ -n $hugo ]]; then
      discard "$work/hugo-out"
      sync
      timed "$HUGO" --minify --quiet -s "$work/hugo-site" -d "$work/hugo-out"
      hugo_walls+=("$wall") hugo_cpus+=("$cpu") hugo_rss+=("$rss")
      round_ratios+=("$(ratio "${full_walls[r]}" "$wall")")
    fi
  done
  discard "$bench/floor"
  read -r html files bytes < <(count "$out")
  full_wall=$(median "${full_walls[@]}")
  row "arshif, full build" "$full_wall" "$(median "${full_cpus[@]}")" "$(largest "${full_rss[@]}")" "$html" "$files" "$bytes"
  if [[ -n $hugo ]]; then
    read -r h_html h_files h_bytes < <(count "$work/hugo-out")
    hugo_wall=$(median "${hugo_walls[@]}")
    row "Hugo, full build" "$hugo_wall" "$(median "${hugo_cpus[@]}")" "$(largest "${hugo_rss[@]}")" "$h_html" "$h_files" "$h_bytes"
    discard "$work/hugo-out"
  fi
  floor_wall=$(median "${floor_walls[@]}")
  row "floor: cp -r of the output" "$floor_wall" "$(median "${floor_cpus[@]}")" "$(largest "${floor_rss[@]}")" "" "" ""
  if [[ -n $bare ]]; then
    read -r b_html b_files b_bytes < <(count "$bare_out")
    bare_wall=$(median "${bare_walls[@]}")
    row "arshif, no search page" "$bare_wall" "$(median "${bare_cpus[@]}")" "$(largest "${bare_rss[@]}")" "$b_html" "$b_files" "$b_bytes"
    discard "$bare_out" "$bench/.out-$n$suffix-nosearch.arshif-cache"
  fi

  # The first no-op rebuild comes right after the full builds; the others
  # end each round below. The median of all is reported.
  declare -a noop_walls=() noop_cpus=() noop_rss=()
  sync
  timed "$arshif" build --root "$corpus" --output "$out" --quiet
  noop_walls+=("$wall") noop_cpus+=("$cpu") noop_rss+=("$rss")

  # One new story, then one edited story, each undone by a build after
  # it, ROUNDS times: incremental builds (stories.sh).
  edited=$(middle_story "$corpus")
  cp "$edited" "$bench/edited.bak"
  new=
  # Whatever happens, the corpus is put back as it was.
  trap 'cp "$bench/edited.bak" "$edited"; [[ -z $new ]] || rm -f "$new"; empty_trash' EXIT
  declare -a add_walls=() add_cpus=() add_rss=() edit_walls=() edit_cpus=() edit_rss=()
  for ((r = 0; r < rounds; r++)); do
    new=$(new_story "$corpus")
    sync
    timed "$arshif" build --root "$corpus" --output "$out" --quiet
    add_walls+=("$wall") add_cpus+=("$cpu") add_rss+=("$rss")
    rm -f "$new"
    new=
    "$arshif" build --root "$corpus" --output "$out" --quiet
    edit_story "$edited"
    sync
    timed "$arshif" build --root "$corpus" --output "$out" --quiet
    edit_walls+=("$wall") edit_cpus+=("$cpu") edit_rss+=("$rss")
    cp "$bench/edited.bak" "$edited"
    "$arshif" build --root "$corpus" --output "$out" --quiet
    sync
    timed "$arshif" build --root "$corpus" --output "$out" --quiet
    noop_walls+=("$wall") noop_cpus+=("$cpu") noop_rss+=("$rss")
  done
  trap empty_trash EXIT
  add_wall=$(median "${add_walls[@]}")
  edit_wall=$(median "${edit_walls[@]}")
  # Medians of the times, and the largest peak memory.
  row "arshif, no-op rebuild" "$(median "${noop_walls[@]}")" "$(median "${noop_cpus[@]}")" "$(largest "${noop_rss[@]}")" "" "" ""
  row "arshif, one story added" "$add_wall" "$(median "${add_cpus[@]}")" "$(largest "${add_rss[@]}")" "" "" ""
  row "arshif, one story edited" "$edit_wall" "$(median "${edit_cpus[@]}")" "$(largest "${edit_rss[@]}")" "" "" ""

  # The two sides of the floor's ratio spend different CPU time: the
  # build mostly its own (user), the copy the kernel's (system). When the
  # disk gets faster and the CPU does not, the ratio grows.
  full_user=$(median "${full_users[@]}") full_sys=$(median "${full_syss[@]}")
  summary="arshif/floor: $(ratio "$full_wall" "$floor_wall")x (full builds: ${full_walls[*]} s; copies: ${floor_walls[*]} s; each round: ${floor_ratios[*]}; CPU time, medians: the build's $full_user s user and $full_sys s system, the copy's $(median "${floor_users[@]}") s and $(median "${floor_syss[@]}") s); one story added: $(percent "$add_wall" "$full_wall") of the full build, one edited: $(percent "$edit_wall" "$full_wall") (medians of $rounds: adds ${add_walls[*]} s, edits ${edit_walls[*]} s; the first $(percent "${add_walls[0]}" "$full_wall") and $(percent "${edit_walls[0]}" "$full_wall")); no-ops: ${noop_walls[*]} s"
  if [[ -n $bare ]]; then
    summary+="; without a search page (no index), arshif/floor: $(ratio "$bare_wall" "$floor_wall")x (builds: ${bare_walls[*]} s; each against its round's copy: ${bare_ratios[*]}; CPU time, medians: $(median "${bare_users[@]}") s user, $(median "${bare_syss[@]}") s system)"
  fi
  if [[ -n $hugo ]]; then
    summary+="; arshif/Hugo wall: $(ratio "$full_wall" "$hugo_wall")x (medians of $full_rounds builds in turns; each round: ${round_ratios[*]})"
    peers_hugo=$(awk '$1 == "hugo" && $2 ~ /^wall_s=/ { sub("wall_s=", "", $2); print $2 }' "$peers_log")
    [[ -n $peers_hugo ]] && summary+=" (against run_peers.sh's Hugo run: $(ratio "$full_wall" "$peers_hugo")x)"
  fi
  if [[ -n ${ZOLA:-} && -x ${ZOLA:-} && -d $work/zola-site ]]; then
    discard "$work/zola-out"
    sync
    timed "$ZOLA" --root "$work/zola-site" build --output-dir "$work/zola-out"
    read -r html files bytes < <(count "$work/zola-out")
    row "Zola (same run, timed here)" "$wall" "$cpu" "$rss" "$html" "$files" "$bytes"
    summary+="; arshif/Zola wall: $(ratio "$full_wall" "$wall")x"
  fi
  # How the full build grows from the size before, its own CPU time
  # (user) apart from the kernel's (sys), beside the floor's copy: on this
  # kind of machine the kernel's part of writing gigabytes grows faster
  # than the archive, for the copy as for the build.
  if [[ -n ${prev_n:-} ]]; then
    summary+="; from $prev_n to $n articles: the full build $(ratio "$full_wall" "$prev_wall")x the wall time, $(ratio "$full_user" "$prev_user")x the user and $(ratio "$full_sys" "$prev_sys")x the system CPU time (the floor's copy: $(ratio "$floor_wall" "$prev_floor")x)"
  fi
  prev_n=$n prev_wall=$full_wall prev_user=$full_user prev_sys=$full_sys prev_floor=$floor_wall
  echo
  echo "$summary"
  echo
  sed 's/^/    /' "$peers_log"
done
exit
}
