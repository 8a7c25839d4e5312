"""Run every benchmark; each prints its own figures and whether it meets its target."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCHES = ["golden.py", "schema.py", "values.py", "check.py", "hostile.py"]


def main() -> int:
    here = Path(__file__).resolve().parent
    failed = 0
    for bench in BENCHES:
        print(f"== {bench}")
        failed += (
            subprocess.run([sys.executable, str(here / bench)], cwd=here, check=False).returncode
            != 0
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
