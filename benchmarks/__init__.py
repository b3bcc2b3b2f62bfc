"""plait's benchmarks: ``python -m benchmarks NAME [options]``.

Each benchmark runs plait and its best peer (Dask) in the same process and
run, and prints a table with both figures and their ratio.
"""
