"""Readers and writers: CSV, Parquet, pandas objects and Delayed values."""
from plait.dataframe.io.csv import read_csv, read_table, to_csv
from plait.dataframe.io.pandas import from_delayed, from_dict, from_pandas, to_delayed
from plait.dataframe.io.parquet import read_parquet, to_parquet

__all__ = ["read_csv", "read_table", "to_csv", "from_pandas", "from_dict",
           "from_delayed", "to_delayed", "read_parquet", "to_parquet"]
