"""Run a benchmark: ``python -m benchmarks NAME [--quick] [...]``; ``all`` runs each."""
from __future__ import annotations

import importlib
import pkgutil
import sys

import benchmarks


def available():
    """Names of the benchmark modules (every module with a ``main(argv)``)."""
    names = []
    for info in pkgutil.iter_modules(benchmarks.__path__):
        if info.name.startswith("_") or info.name == "common":
            continue
        names.append(info.name)
    return sorted(names)


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    names = available()
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__)
        print("benchmarks:", ", ".join(names))
        return 0
    name, rest = argv[0], argv[1:]
    chosen = names if name == "all" else [name]
    for n in chosen:
        if n not in names:
            print(f"unknown benchmark {n!r}; choose from: {', '.join(names)}", file=sys.stderr)
            return 2
        module = importlib.import_module(f"benchmarks.{n}")
        module.main(rest)
    return 0


if __name__ == "__main__":
    sys.exit(main())
