#!/usr/bin/env python3
"""Copies a generated corpus with a news archive's vocabulary in its bodies.

    benches/news_vocabulary.py --seed 1 CORPUS OUT

gen_corpus.py writes its bodies from about a thousand Arabic words (1,066
distinct in the bodies of its 10,000 articles), where a news archive of that
size uses hundreds of thousands (Arabic joins its articles, prepositions and
pronouns to the word). That flatters whatever grows with the vocabulary:
the search index's keys and shards above all. This copy keeps each Arabic word of a body with
probability 1/2 and otherwise writes a form drawn from a Zipf distribution
(the frequency of the n-th form about 1/n, as in real text) over 400,000
synthetic forms: stems of 3 to 6 letters with the language's prefixes and
suffixes. The 10,000-article corpus comes out with 281,333 distinct Arabic
words in its bodies, the same 6.1 million words in all.

Front matter (titles, dates, countries, actors) is copied as it is, and so is
every other file; the copy is the same for the same corpus and seed. OUT must
not exist yet.
"""

import argparse
import bisect
import os
import random
import re
import sys

FORMS = 400_000
KEEP = 0.5
LETTERS = "ابتثجحخدذرزسشصضطظعغفقكلمنهوي"
PREFIXES = ["", "", "", "ال", "و", "وال", "ب", "بال", "ل", "لل", "ف"]
SUFFIXES = ["", "", "", "ة", "ات", "ون", "ين", "ها", "هم", "ية", "ي", "ا"]
ARABIC_WORD = re.compile(r"[\u0621-\u064A]+")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("corpus", help="a corpus gen_corpus.py wrote")
    parser.add_argument("out", help="where the copy goes (must not exist)")
    args = parser.parse_args()
    if not os.path.isfile(os.path.join(args.corpus, "site.toml")):
        print(f"{args.corpus}: no site.toml: not a corpus", file=sys.stderr)
        return 2
    if os.path.lexists(args.out):
        print(f"{args.out}: already exists", file=sys.stderr)
        return 2

    rng = random.Random(args.seed)
    forms = [
        rng.choice(PREFIXES)
        + "".join(rng.choice(LETTERS) for _ in range(rng.randint(3, 6)))
        + rng.choice(SUFFIXES)
        for _ in range(FORMS)
    ]
    cumulative, total = [], 0.0
    for n in range(1, FORMS + 1):
        total += 1.0 / n
        cumulative.append(total)

    def replace(match: re.Match) -> str:
        if rng.random() < KEEP:
            return match.group(0)
        return forms[min(bisect.bisect(cumulative, rng.random() * total), FORMS - 1)]

    # Written to a folder beside OUT and renamed at the end: an interrupted
    # run leaves no half corpus under OUT's name.
    partial = args.out.rstrip("/") + ".partial"
    if os.path.lexists(partial):
        print(f"{partial}: left by an interrupted run: delete it", file=sys.stderr)
        return 2
    for folder, subfolders, files in os.walk(args.corpus):
        # In a fixed order, as the random draws follow the files.
        subfolders.sort()
        rel = os.path.relpath(folder, args.corpus)
        os.makedirs(os.path.join(partial, rel), exist_ok=True)
        for name in sorted(files):
            with open(os.path.join(folder, name), "rb") as f:
                data = f.read()
            if name.endswith(".md") and data.startswith(b"---\n"):
                text = data.decode("utf-8")
                end = text.find("\n---\n", 4)
                if end >= 0:
                    head, body = text[: end + 5], text[end + 5 :]
                    data = (head + ARABIC_WORD.sub(replace, body)).encode("utf-8")
            with open(os.path.join(partial, rel, name), "wb") as f:
                f.write(data)
    os.rename(partial, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
