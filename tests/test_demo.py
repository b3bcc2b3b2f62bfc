"""The main demo runs end to end, as `make demo` runs it, and prints the seeds' results."""
from __future__ import annotations

import subprocess
import sys


def test_demo_runs_every_seed_on_every_scheduler(tmp_path):
    out = subprocess.run(
        [sys.executable, "-m", "plait.demo", "--quick", "--sleep", "0.05",
         "--data", str(tmp_path)],
        capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    text = out.stdout
    for expected in ["[1, 2, 3]", "-1.6", "(4, -2, -8)", "4950", "(5050, 50.5)",
                     "'alice'", "336,776 flights", "demo finished"]:
        assert expected in text, expected
    assert text.count("-1.6") == 3  # single-threaded, threads, processes
