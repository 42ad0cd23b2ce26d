"""`cywatch review`: the identity matcher's possible matches, and a person's decisions on them."""

from __future__ import annotations

import argparse

from cywatch.commands import Commands
from cywatch.commands.common import open_db, positive, say
from settings import Settings


def register(commands: Commands) -> None:
    """Add `cywatch review [accept|reject ID]` to the command line."""
    review = commands.add_parser("review", help="possible matches with the baseline, and decisions on them")
    review.add_argument("--inferred", action="store_true", help="also list the matches inferred (to reject one)")
    review.set_defaults(handler=cmd_review_list)
    decisions = review.add_subparsers(dest="review_command", metavar="DECISION")
    for name, accept, what in (("accept", True, "the two figures state one indicator: make it an alias"),
                               ("reject", False, "they do not: never match these two metrics again")):
        decide = decisions.add_parser(name, help=what)
        decide.add_argument("id", type=positive, metavar="ID", help="the comparison's number, as listed")
        decide.add_argument("--note", help="why, kept with the decision")
        decide.set_defaults(handler=cmd_review_decide, accept=accept)


def cmd_review_list(args: argparse.Namespace, settings: Settings) -> int:
    """List the possible matches waiting for a decision."""
    from db.review import list_possible_matches

    with open_db(settings) as conn:
        matches = list_possible_matches(conn, inferred=args.inferred)
    if not matches:
        say("nothing to review: no possible match waits for a decision")
        return 0
    for m in matches:
        print(f"#{m.change_id}  {m.match} {m.score if m.score is not None else ''}  ({m.reason})")
        print(f"  figure:    {m.metric}（{m.region or '地区不详'}） {m.surface}  — {m.title}, "
              f"{m.published_at:%Y-%m-%d}")
        print(f"             “{m.sentence}”")
        print(f"  candidate: {m.candidate_metric}（{m.candidate_region or '地区不详'}） {m.candidate_surface}  "
              "— the baseline")
        print(f"             “{m.candidate_sentence}”")
    say(f"{len(matches)} to review: cywatch review accept ID | cywatch review reject ID")
    return 0


def cmd_review_decide(args: argparse.Namespace, settings: Settings) -> int:
    """Accept or reject one match; it applies at once to stored figures, later extraction and the diff."""
    from crawler.extract.identity import MatchOptions
    from db.diff import NoBaseline
    from db.review import ReviewError, decide

    with open_db(settings) as conn:
        try:
            done = decide(conn, args.id, args.accept, note=args.note, options=MatchOptions.of(settings))
        except (ReviewError, NoBaseline) as error:
            say(f"cywatch review: {error}")
            return 1
        conn.commit()
    if done.accepted:
        print(f"accepted: {done.metric} is now an alias of {done.candidate_metric}; {done.rekeyed} stored "
              f"figure(s) renamed, {done.recomputed.revised} comparison(s) revised")
    else:
        print(f"rejected: {done.metric} and {done.candidate_metric} are never matched again; "
              f"{done.recomputed.revised} comparison(s) revised")
    say("the decision is stored in the database; cywatch lexicon export writes it into metrics.toml")
    return 0
