"""plait.dataframe: partitioned pandas DataFrames.

A DataFrame here is many pandas DataFrames (partitions) and a lazy plan of
what to do with them. Operations build the plan; ``compute()`` optimizes it
(only the columns used are read, filters reach Parquet readers, partition-wise
steps fuse into one task per partition) and runs it on a plait scheduler.

>>> import pandas as pd
>>> import plait.dataframe as pdd
>>> df = pdd.from_pandas(pd.DataFrame({'k': list('abab'), 'x': [1, 2, 3, 4]}), npartitions=2)
>>> df[df.x > 1].groupby('k').x.sum().compute().to_dict()
{'a': 3, 'b': 6}
"""
from plait.dataframe.core import DataFrame, Index, Scalar, Series, align, map_partitions
from plait.dataframe.io import (from_delayed, from_dict, from_pandas, read_csv,
                                read_parquet, read_table, to_csv, to_delayed, to_parquet)

__all__ = ["DataFrame", "Series", "Index", "Scalar", "align", "map_partitions",
           "from_pandas", "from_dict", "from_delayed", "to_delayed", "read_csv",
           "read_table", "to_csv", "read_parquet", "to_parquet"]
