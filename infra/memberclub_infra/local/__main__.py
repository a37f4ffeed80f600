"""``python -m memberclub_infra.local`` (what ``make run`` starts)."""

from __future__ import annotations

import os
import sys

# Before anything imports Powertools: the handlers' logs say where they come from.
os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "memberclub-local")

from memberclub_infra.local.bus import DEFAULT_TIME_SCALE  # noqa: E402
from memberclub_infra.local.stack import LocalStack  # noqa: E402


def main() -> int:
    port = int(os.environ.get("MEMBERCLUB_PORT", "8000"))
    stack = LocalStack(port=port, public_url=os.environ.get("MEMBERCLUB_PUBLIC_URL"),
                       mail_from=os.environ.get("MEMBERCLUB_MAIL_FROM"),
                       token_key=os.environ.get("MEMBERCLUB_LOCAL_TOKEN_KEY"),
                       time_scale=float(os.environ.get("MEMBERCLUB_LOCAL_TIME_SCALE") or DEFAULT_TIME_SCALE))
    try:
        stack.start()
    except OSError as error:
        print(f"Could not start on port {port}: {error}. Set MEMBERCLUB_PORT to a free port.", file=sys.stderr)
        return 1
    print(stack.describe(), flush=True)
    try:
        stack.serve_forever()
    except KeyboardInterrupt:
        print("\nStopped.")
    finally:
        stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
