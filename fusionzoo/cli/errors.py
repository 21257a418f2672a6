"""The command line's error type and its one-line rendering."""

from __future__ import annotations

import argparse

__all__ = ["CLIError", "Parser", "one_line"]


class CLIError(Exception):
    """A user error: printed as one line, exit status 2."""


class Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (and exit status 2)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message} (see `{self.prog} -h`)\n")


def one_line(e: BaseException) -> str:
    """An exception as one line: the message alone for the errors a user causes, else its type too."""
    from ..weights import WeightsError

    if isinstance(e, KeyError) and e.args:
        msg = str(e.args[0])
    else:
        msg = str(e) or type(e).__name__
    if not isinstance(e, (CLIError, KeyError, ValueError, FileNotFoundError, WeightsError)):
        msg = f"{type(e).__name__}: {msg}"
    return " ".join(msg.split())
