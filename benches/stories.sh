# The stories the benchmark scripts add and edit, the same in each.
# Sourced by compare.sh and incremental.sh.

# new_story CORPUS → writes the story a benchmark adds, and prints its path.
# It is published as a newsroom would publish it: the newest, in the
# archive's last month (the generated corpora end in December 2024), with
# a body of the corpus's own (its newest story's), so that its words reach
# the search index's shards as a real story's do.
new_story() {
  local new=$1/content/2024/12/zz-bench-new-story.md newest
  newest=$(find "$1/content/2024/12" -name '*.md' ! -name 'zz-bench-*' | sort | tail -1)
  {
    printf -- '---\ntitle: خبر جديد لقياس البناء\ndate: 2024-12-31T23:59:00+03:00\ncountries: [سوريا, لبنان]\nactors: [نظام الأسد]\n---\n'
    awk 'fences >= 2 { print } /^---$/ { fences++ }' "$newest"
  } >"$new"
  echo "$new"
}

# middle_story CORPUS → the path of the story a benchmark edits: the middle
# one in path order, so that the search index is spliced mid-list.
middle_story() {
  find "$1/content" -name '*.md' -path '*/20[0-9][0-9]/*' ! -name 'zz-bench-*' | sort |
    awk '{ path[NR] = $0 } END { print path[int(NR / 2)] }'
}

# edit_story FILE → the edit a benchmark makes: a paragraph added.
edit_story() {
  printf '\nفقرة أضيفت إلى الخبر لقياس البناء.\n' >>"$1"
}
