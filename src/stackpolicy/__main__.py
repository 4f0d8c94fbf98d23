"""`stackpolicy` and `python -m stackpolicy`: the command line (stackpolicy.cli).

`stackpolicy --version` alone is answered here, in the words of click's
version option, before click and the command line are imported: they are
most of its time. Everything else, `--version` among other arguments
included, goes to click.
"""

from __future__ import annotations

import sys

from stackpolicy import __version__

VERSION_LINE = f"stackpolicy, version {__version__}"
"""What `click.version_option(__version__, prog_name="stackpolicy")` prints."""


def run() -> None:
    if sys.argv[1:] == ["--version"]:
        print(VERSION_LINE)
        sys.exit(0)
    from stackpolicy.cli import main

    main()


if __name__ == "__main__":
    run()
