"""`kolk audit verify|head|seal`: the audit chain for the Privacy Officer."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from kolk.privacy.audit import chain_head, seal, verify


def parse_head(value: str) -> tuple[int, str]:
    seq, _sep, digest = value.partition(":")
    if not seq.isdigit() or len(digest) != 64:
        raise CommandError("a head is written SEQ:HASH, as `kolk audit head` prints it")
    return int(seq), digest


class Command(BaseCommand):
    help = "Verify, seal or show the head of the hash-chained audit log."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        check = sub.add_parser("verify", help="check the sealed chain and count the unsealed tail")
        check.add_argument("--head", help="a head kept elsewhere (SEQ:HASH): also finds entries cut from the end")
        sub.add_parser("head", help="print the chain head (SEQ:HASH) to keep somewhere else")
        sub.add_parser("seal", help="chain the entries not yet sealed")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "seal":
            self.stdout.write(f"sealed {seal()} entries")
        elif action == "head":
            seal()
            head = chain_head()
            self.stdout.write(f"{head.seq}:{head.hash}")
        else:
            expect = parse_head(options["head"]) if options.get("head") else None
            result = verify(expect)
            for problem in result.problems:
                self.stderr.write(f"BROKEN: {problem}")
            summary = f"{result.sealed} sealed entries, {result.unsealed} not yet sealed, head {result.head_seq}:{result.head_hash}"
            if not result.ok:
                raise CommandError(f"the audit chain is broken ({len(result.problems)} problems); {summary}")
            self.stdout.write(f"audit chain intact: {summary}")
