"""The ``latentcomposer`` console entry point.

Sub-commands live in :mod:`latentcomposer.commands`, one module each with ``register(subparsers)``;
each sets ``func`` on its parser. User errors (bad files, missing devices, unknown models) print one
line and exit non-zero — never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from latentcomposer import __version__
from latentcomposer.commands import COMMAND_MODULES, UserError
from latentcomposer.core.errors import UserFacingError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="latentcomposer",
        description="A composition assistant: latent-space melody models behind a piano roll. "
        "With no command, starts the desktop app.",
    )
    parser.add_argument("--version", action="version", version=f"latentcomposer {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(f"latentcomposer.commands.{name}").register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    if not args_list:
        args_list = ["gui"]
    try:
        args = parser.parse_args(args_list)
    except SystemExit as exc:  # argparse refused an argument (it printed why); --help/--version exit 0
        if not exc.code:
            raise
        return int(exc.code) if isinstance(exc.code, int) else 2
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except UserFacingError as exc:  # every layer's user errors (UserError: the commands' own)
        print(f"latentcomposer {args.command}: error: {exc}", file=sys.stderr)
        return exc.exit_code if isinstance(exc, UserError) else 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


if __name__ == "__main__":
    sys.exit(main())
