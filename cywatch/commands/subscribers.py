"""`cywatch subscribers add|list|remove`: who gets digests, and what they asked for."""

from __future__ import annotations

import argparse

from cywatch.commands import Commands
from cywatch.commands.common import open_db, say
from settings import Settings


def register(commands: Commands) -> None:
    """Add `subscribers`."""
    subs = commands.add_parser("subscribers", help="who gets digests").add_subparsers(
        dest="subscribers_command", required=True)
    add = subs.add_parser("add", help="add a subscriber (or update the preferences given of one)")
    add.add_argument("email", metavar="EMAIL|#ID", nargs="?",
                     help="the subscriber's address, or #ID (see `list`) to change one; left out, a subscriber "
                          "of the --channel targets only (adding the same first --channel again updates it)")
    add.add_argument("--name")
    add.add_argument("--channel", action="append", default=[], metavar="URL",
                     help="also send the digest there (repeatable): wecom://KEY, dingtalk://TOKEN?secret=S, "
                          "feishu://HOOK?secret=S, slack://T/B/X, telegram://TOKEN@CHAT, https://host/path#secret=S")
    add.add_argument("--remove-channel", action="append", default=[], metavar="URL",
                     help="stop sending the digest there (repeatable); the subscriber's own address too, while "
                          "another target remains (the address still names the subscriber)")
    add.add_argument("--region", action="append", default=[], metavar="R", help="only these regions (repeatable)")
    add.add_argument("--metric", action="append", default=[], metavar="M",
                     help="only metrics containing M (repeatable)")
    add.add_argument("--frequency", choices=["daily", "weekly"], help="daily (the default) or weekly")
    add.add_argument("--operator", action=argparse.BooleanOptionalAction, default=None,
                     help="also gets digests about source health alone (--no-operator: not any more)")
    add.add_argument("--clear-filters", action="store_true",
                     help="drop the stored region and metric filters (then --region/--metric set new ones)")
    add.add_argument("--resubscribe", action="store_true",
                     help="lift a past unsubscribe (only when the reader asked to come back)")
    watch = add.add_argument_group("conditions", "only the figures that matter (none: everything)")
    watch.add_argument("--min-change", metavar="X",
                       help="only changes of at least X: percentage points for rates and shares, per cent for "
                            "levels (off: no such condition)")
    watch.add_argument("--flip", action=argparse.BooleanOptionalAction, default=None,
                       help="a growth rate that turned into a decline, or back")
    watch.add_argument("--threshold", action="append", metavar="METRIC=VALUE",
                       help="a figure of METRIC crossing VALUE (repeatable; replaces the stored ones)")
    watch.add_argument("--new-high", action=argparse.BooleanOptionalAction, default=None,
                       help="a value above every earlier figure of its series")
    watch.add_argument("--clear-conditions", action="store_true", help="drop the stored conditions first")
    add.set_defaults(handler=cmd_subscribers_add)
    subs.add_parser("list", help="list subscribers").set_defaults(handler=cmd_subscribers_list)
    remove = subs.add_parser("remove", help="delete a subscriber")
    remove.add_argument("email", metavar="EMAIL|#ID")
    remove.set_defaults(handler=cmd_subscribers_remove)


def cmd_subscribers_add(args: argparse.Namespace, settings: Settings) -> int:
    """Add a subscriber or update one's preferences."""
    from alerts import conditions, subscribers

    who = args.email
    by_id = who is not None and subscribers.is_id(who)
    with open_db(settings) as conn:
        try:
            subscriber_id = subscribers.resolve(conn, who) if by_id else None
            if who is None and args.channel:  # the subscriber that has this first target, if any
                subscriber_id = subscribers.holder(conn, args.channel[0])
                who, by_id = (f"#{subscriber_id}", True) if subscriber_id else (None, False)
            if by_id and subscriber_id is None:
                raise subscribers.SubscriberError(f"no subscriber {who} (see `cywatch subscribers list`)")
            wanted = None
            if args.clear_conditions or any(v is not None for v in (args.min_change, args.flip, args.threshold,
                                                                       args.new_high)):
                stored = subscribers.conditions_of(conn, who) if who else None
                wanted = conditions.edit(stored or conditions.Conditions(),
                                         min_change=args.min_change, flip=args.flip, thresholds=args.threshold,
                                         new_high=args.new_high, clear=args.clear_conditions)
            added = subscribers.add(conn, None if by_id else who, subscriber_id=subscriber_id, name=args.name,
                                    regions=args.region, metrics=args.metric,
                                    frequency=args.frequency, operator=args.operator,
                                    resubscribe=args.resubscribe, clear_filters=args.clear_filters,
                                    channels=args.channel, conditions=wanted, remove_channels=args.remove_channel)
        except (subscribers.SubscriberError, conditions.ConditionError) as error:
            say(f"cywatch subscribers add: {error}")
            return 2
    print(f"{'added' if added.created else 'updated'} {added.label} ({added.frequency}"
          f"{', operator' if added.operator else ''}{', only ' + added.conditions if added.conditions else ''})"
          + ("" if added.email else f": subscriber #{added.id}, named by its id"))
    for shown in added.channels:
        print(f"  channel {shown}")
    for shown in added.removed:
        print(f"  removed {shown}")
    if added.unsubscribed:
        say(f"cywatch subscribers add: {added.label} unsubscribed and stays so; "
            "pass --resubscribe if they asked to come back")
    return 0


def cmd_subscribers_list(args: argparse.Namespace, settings: Settings) -> int:
    """Print every subscriber with their preferences."""
    from alerts import subscribers
    from cywatch.table import render_table

    with open_db(settings) as conn:
        rows = subscribers.all_subscribers(conn)
    print(render_table(["id", "email", "name", "frequency", "regions", "metrics", "operator", "conditions",
                        "channels", "status"], [
        [f"#{r['id']}", _address(r), r["name"] or "", r["frequency"], " ".join(r["regions"]) or "all",
         " ".join(r["metrics"]) or "all", "yes" if r["operator"] else "", r["conditions_shown"],
         " ".join(r["channels"]),
         f"unsubscribed {r['unsubscribed_at']:%Y-%m-%d}" if r["unsubscribed_at"] else "active"] for r in rows]))
    return 0


def _address(row: dict[str, object]) -> str:
    """The email column: the address, `(not mailed)` after one whose email target was removed, `-` for none."""
    if not row["email"]:
        return "-"
    return f"{row['email']}" + ("" if row["mailed"] else " (not mailed)")


def cmd_subscribers_remove(args: argparse.Namespace, settings: Settings) -> int:
    """Delete a subscriber and their digests."""
    from alerts import subscribers

    with open_db(settings) as conn:
        try:
            removed = subscribers.remove(conn, args.email)
        except subscribers.SubscriberError as error:
            say(f"cywatch subscribers remove: {error}")
            return 2
    if not removed:
        say(f"cywatch subscribers remove: no subscriber {args.email}")
        return 1
    print(f"removed {args.email}")
    return 0
