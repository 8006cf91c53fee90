"""`python -m bench.nlu_words`: the held-out sets understood by the offline word matcher.

The language-neutral measure: the matcher `mat-coach try` uses reads each locale's model and
that language's word rules, so it measures German as it measures English (the embedding
measure, `bench.nlu`, has an English model only). Prints intent, intent+slots, out of domain
-> fallback and literal coverage per set and locale, with the commonest confusions.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from testkit import lexical, nlu
from testkit.languages import WORD_SETS

#: Every held-out set: the English ones `bench.nlu` reads, and one per other language.
SETS = {**nlu.HELDOUT_SETS, **WORD_SETS}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.nlu_words",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--set", action="append", choices=sorted(SETS),
                        help="only this set (repeatable; default: every set)")
    parser.add_argument("--locale", action="append",
                        help="only this locale (repeatable; default: every locale in a set)")
    args = parser.parse_args(argv)
    for name in args.set or sorted(SETS):
        path: Path = SETS[name]
        locales = sorted({e.locale for e in nlu.load_heldout(path)})
        for locale in args.locale or locales:
            if locale in locales:
                print(lexical.format_report(lexical.measure(path, locale)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
