"""Run every benchmark in bench/ (files named *_bench.py), one after the other.

By default each runs at the size its issue states (`make bench`, about seven minutes on
a two-core PC, and under a minute more for the baselines the hand-written parts are
measured against); `--quick` runs each small, for a look in a minute or two: a
benchmark that takes a size option is listed in QUICK with the option to pass.

    python bench/run_all.py            # the sizes the issues state
    python bench/run_all.py --quick    # small
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

# Options that make a benchmark small; benchmarks not listed run with their defaults.
QUICK = {
    "circulation_bench.py": ["--scale", "0.1", "--requests", "300", "--seconds", "5"],
    "desk_bench.py": ["--scale", "0.1", "--requests", "200", "--seconds", "5"],
    "marc_bench.py": ["--n", "10000"],
    "import_desk_bench.py": ["--quick"],
    "search_bench.py": ["--sizes", "20000", "--engines", "sqlite", "--queries", "30"],
    "inventory_bench.py": ["--scale", "0.1"],
    "reports_bench.py": ["--scale", "0.1"],
    "sip2_bench.py": ["--scale", "0.1", "--seconds", "5"],
}


def main(argv: list[str]) -> int:
    full = "--quick" not in argv
    failed = []
    for path in sorted(HERE.glob("*_bench.py")):
        args = [] if full else QUICK.get(path.name, [])
        print(f"\n=== {path.name} {' '.join(args)}", flush=True)
        start = time.perf_counter()
        code = subprocess.call([sys.executable, str(path), *args])
        print(
            f"=== {path.name}: {'ok' if code == 0 else f'exit {code}'} in {time.perf_counter() - start:.0f} s",
            flush=True,
        )
        if code:
            failed.append(path.name)
    if failed:
        print("failed: " + ", ".join(failed))
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
