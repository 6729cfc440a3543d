"""make bench: run every benchmark and print one JSON document."""

from __future__ import annotations

import json
import sys

from bench import mail, pages, programme, registration


def main() -> int:
    results = {
        "pages": pages.run(),
        "registration": registration.run(),
        "mail": mail.run(),
        "programme": programme.run(),
    }
    json.dump(results, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
