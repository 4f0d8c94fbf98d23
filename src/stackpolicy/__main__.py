from __future__ import annotations

from stackpolicy.cli import main

if __name__ == "__main__":
    main()
