"""`python -m bench.transcript`: every reachable reply, with its word count and variants.

Plays `testkit.transcript.script()` and prints each distinct reply (scene, words, whether the
microphone stays open), then the figures the voice is held to: median and p90 words, the
variant count of each frequently heard line, banned words and runs of the source article.
`--markdown` prints the conversation samples the README (English) and docs/conversation.md
(every other language) quote; with `--short`, the start of one, as the README quotes each
language.
"""

from __future__ import annotations

import argparse
import logging
import sys

from testkit import transcript as t


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.transcript")
    parser.add_argument("--markdown", action="store_true",
                        help="print the conversation samples the README and docs quote instead")
    parser.add_argument("--short", action="store_true",
                        help="with --markdown: only the start of the first session, as the "
                             "README quotes each language")
    parser.add_argument("--locale", default="en-US",
                        help="the language the user speaks (default en-US; de-DE, fr-FR, ...)")
    args = parser.parse_args(argv)
    logging.disable(logging.CRITICAL)  # outage scenes log on purpose; the replies are the output
    played = t.script(locale=args.locale)
    if args.markdown:
        print(t.quoted_samples(played, args.locale, short=args.short))
        return 0
    say = t.catalogue_for(args.locale)
    for reply in played.distinct():
        mic = "open " if reply.open_mic else "close"
        print(f"{reply.words:3d}w {mic} [{reply.scene}] {reply.speech}")
    figures = played.figures()
    print()
    print(f"replies: {figures['replies']}  median words: {figures['median_words']}  "
          f"p90 words: {figures['p90_words']}  longest: {figures['max_words']}")
    print("variants of frequently heard lines: " + ", ".join(
        f"{key} {len(say.variants(key))}" for key in t.FREQUENT if key in say))
    banned = [key for key, line in t.catalogue_lines() if t.BANNED.search(line)]
    hashes = t.article_hashes()
    runs = [(key, run) for key, line in t.catalogue_lines() for run in t.article_runs(line, hashes)]
    open_statements = [r for r in played.distinct()
                       if r.open_mic and not t.ends_inviting(r.speech, args.locale)]
    print(f"banned words: {len(banned)}  article runs of 6+ words: {len(runs)}  "
          f"open-mic replies not ending in a question or invitation: {len(open_statements)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
