"""`python -m bench.answered`: the share of held-out lines answered on topic, end to end.

Each line is understood offline (English sets by the embedding stand-in, `bench.nlu`'s measure;
the German set, or any set with `--words`, by the word matcher `mat-coach try` uses), sent
through the Lambda handler as Alexa would send it, and its reply is checked against what the
line says a correct reply must mention (`testkit.answered`). Prints, per set, the share
answered on topic, the causes of the misses (routed elsewhere, slot unresolved, reply off
topic), the safety questions that heard the fallback or the menu, and the misses themselves.

`--check` exits 1 unless every set reaches the goal (90 %) and no safety question is answered
by the fallback or the menu. The English sets need the `nlu` extra and the weights, as
`bench.nlu` does.
"""

from __future__ import annotations

import argparse
import sys

from testkit import answered, nlu
from testkit.answered import SETS, report_for
from testkit.embeddings import ModelMissing


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.answered",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--set", action="append", choices=sorted(SETS),
                        help="only this set (repeatable; default: every set)")
    parser.add_argument("--words", action="store_true",
                        help="understand every set with the word matcher")
    parser.add_argument("--misses", type=int, default=12, help="how many misses to list")
    parser.add_argument("--check", action="store_true",
                        help="exit 1 unless every set meets the goal")
    args = parser.parse_args(argv)
    failures: list[str] = []
    resolvers: dict[str, nlu.Resolver] = {}
    for name in args.set or list(SETS):
        try:
            report = report_for(name, words=args.words, resolvers=resolvers)
        except ModelMissing as exc:
            print(f"bench.answered: {exc}", file=sys.stderr)
            return 2
        print(answered.format_report(report, misses=args.misses))
        print()
        if report.share < answered.GOAL:
            failures.append(f"{name}: {report.share:.1%} answered on topic")
        failures += [f"{name}: safety question answered off topic: {v.line.text!r}"
                     for v in report.safety_unanswered()]
    if not args.check:
        return 0
    for failure in failures:
        print(f"FAIL {failure}")
    print("check: " + ("failed" if failures else "all sets meet the goal"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
