"""Bag benchmark: seed 001's pipeline on JSON lines made here.

    read_text('data/*.json').map(json.loads).pluck('name').frequencies()

on about 1 GB of JSON lines (``--quick``: about 100 MB) in a temporary
directory, run by plait.bag (processes), Dask's bag (multiprocessing) and
plain single-process Python, in one run; then the same on ONE big file split
by ``blocksize``. Prints seconds, speed-up over plain Python and peak memory
(this process and its children).

    python -m benchmarks bag [--quick] [--size-mb N] [--files N] [--workers N]
"""
from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import tempfile
from collections import Counter

from benchmarks.common import PeakRSS, table, timed

NAMES = ["alice", "bob", "charlie", "dan", "eve", "frank", "grace", "heidi"]
WORDS = ["lorem", "ipsum", "dolor", "sit", "amet", "consectetur", "adipiscing", "elit"]


def make_lines(n, rng):
    """``n`` JSON records, one per line, as one string."""
    out = []
    for i in range(n):
        name = rng.choice(NAMES)
        text = " ".join(rng.choices(WORDS, k=rng.randint(3, 12)))
        out.append(f'{{"id": {i}, "name": "{name}", "amount": {rng.random() * 1000:.2f}, '
                   f'"tags": ["{rng.choice(WORDS)}", "{rng.choice(WORDS)}"], '
                   f'"text": "{text}"}}\n')
    return "".join(out)


def write_data(directory, size_mb, nfiles, seed=0):
    """``nfiles`` JSON-lines files totalling about ``size_mb`` MB; their paths."""
    rng = random.Random(seed)
    per_file = size_mb * 1_000_000 // nfiles
    block = make_lines(20_000, rng)
    paths = []
    for i in range(nfiles):
        path = os.path.join(directory, f"{i:03d}.json")
        written = 0
        with open(path, "w") as f:
            while written < per_file:
                f.write(block)
                written += len(block)
                block = make_lines(20_000, rng) if rng.random() < 0.05 else block
        paths.append(path)
    return paths


def plain_python(pattern):
    import glob

    counts = Counter()
    for path in sorted(glob.glob(pattern)):
        with open(path) as f:
            for line in f:
                counts[json.loads(line)["name"]] += 1
    return counts


def with_plait(pattern, workers, blocksize=None):
    import plait.bag as pb

    bag = pb.read_text(pattern, blocksize=blocksize).map(json.loads).pluck("name")
    return dict(bag.frequencies().compute(scheduler="processes", num_workers=workers))


def with_dask(pattern, workers, blocksize=None):
    import dask
    import dask.bag as db

    bag = db.read_text(pattern, blocksize=blocksize).map(json.loads).pluck("name")
    with dask.config.set(num_workers=workers):
        return dict(bag.frequencies().compute(scheduler="processes"))


ENGINES = [("python (1 process)", plain_python), ("plait.bag processes", with_plait),
           ("dask.bag processes", with_dask)]


def run_case(label, pattern, workers, blocksize, repeat, rows):
    """Time every engine ``repeat`` times, interleaved (fair under a varying
    load), keeping each one's best time and its highest peak memory."""
    best = {name: float("inf") for name, _ in ENGINES}
    peak = dict.fromkeys(best, 0)
    expected = None
    for _ in range(repeat):
        for name, func in ENGINES:
            args = (pattern,) if func is plain_python else (pattern, workers, blocksize)
            with PeakRSS() as mem:
                seconds, result = timed(func, *args, repeat=1)
            result = dict(result)
            expected = result if expected is None else expected
            if result != expected:
                raise AssertionError(f"{name} gave {result}, expected {expected}")
            best[name] = min(best[name], seconds)
            peak[name] = max(peak[name], mem.peak)
    base = best[ENGINES[0][0]]
    for name, _ in ENGINES:
        rows.append([label, name, best[name], base / best[name], peak[name] // 2**20])


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks bag", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="about 100 MB instead of 1 GB")
    parser.add_argument("--size-mb", type=int, default=None)
    parser.add_argument("--files", type=int, default=8)
    parser.add_argument("--workers", type=int, default=os.cpu_count())
    parser.add_argument("--repeat", type=int, default=None)
    args = parser.parse_args(argv)
    size = args.size_mb or (100 if args.quick else 1000)
    repeat = args.repeat or (3 if size <= 200 else 2)
    import plait.bag as pb

    pb.from_sequence([1]).count().compute(scheduler="processes", num_workers=args.workers)
    load_before = os.getloadavg()[0]
    tmp = tempfile.mkdtemp(prefix="plait-bag-bench-")
    try:
        many = os.path.join(tmp, "many")
        os.mkdir(many)
        write_data(many, size, args.files)
        one = os.path.join(tmp, "one")
        os.mkdir(one)
        write_data(one, size, 1, seed=1)
        blocksize = max(1, size * 1_000_000 // (4 * args.workers))
        rows = []
        run_case(f"{args.files} files", os.path.join(many, "*.json"), args.workers, None,
                 repeat, rows)
        run_case(f"1 file, blocksize {blocksize // 10**6} MB", os.path.join(one, "*.json"),
                 args.workers, blocksize, repeat, rows)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"bag: seed 001 pipeline on {size} MB of JSON lines, {args.workers} workers, "
          f"best of {repeat} (interleaved); load average {load_before:.1f} before, "
          f"{os.getloadavg()[0]:.1f} after (other work on the machine skews the figures)")
    print(table(rows, ["data", "engine", "seconds", "x python", "peak MB"]))
    return rows


if __name__ == "__main__":
    main()
