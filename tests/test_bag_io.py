"""plait.bag reading and writing files, conversions and error messages."""
from __future__ import annotations

import bz2
import gzip
import json
import lzma
import os
from collections import Counter

import fsspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import plait
import plait.bag as pb

SCHEDULERS = ["sync", "threads", "processes"]
NAMES = ["alice"] * 10 + ["bob"] * 20 + ["charlie"] * 30


@pytest.fixture(params=SCHEDULERS)
def scheduler(request):
    return request.param


def record(i, name):
    return json.dumps({"id": i, "name": name, "text": "é ü \u2028 x" * (i % 3)}) + "\n"


@pytest.fixture
def data(tmp_path):
    """Three JSON-lines files with the seed's names: plain, plain, gzip."""
    d = tmp_path / "data"
    d.mkdir()
    lines = [record(i, n) for i, n in enumerate(NAMES)]
    (d / "0.json").write_text("".join(lines[:25]), encoding="utf-8")
    (d / "1.json").write_text("".join(lines[25:40]), encoding="utf-8")
    with gzip.open(d / "2.json.gz", "wt", encoding="utf-8") as f:
        f.write("".join(lines[40:]))
    return d, lines


def test_seed_example_as_written(tmp_path, monkeypatch):
    (tmp_path / "data").mkdir()
    for i in range(3):
        chunk = NAMES[i::3]
        (tmp_path / "data" / f"{i}.json").write_text("".join(record(j, n) for j, n in
                                                             enumerate(chunk)))
    monkeypatch.chdir(tmp_path)
    result = pb.read_text('data/*.json').map(json.loads).pluck('name').frequencies().compute()
    assert dict(result) == {'alice': 10, 'bob': 20, 'charlie': 30}


def test_reading_and_parsing_is_one_task_per_partition(data):
    from plait.base import collections_to_graph

    d, _ = data
    b = pb.read_text(str(d / "*"), blocksize=500).map(json.loads).pluck("name")
    blocks = -(-(d / "0.json").stat().st_size // 500) + -(-(d / "1.json").stat().st_size // 500)
    assert b.npartitions == blocks + 1  # the gzip file is not split
    assert len(collections_to_graph([b])) == b.npartitions
    assert len(collections_to_graph([b.frequencies()])) == b.npartitions + 1


def test_read_text_globs_lists_and_compression(data, scheduler):
    d, lines = data
    b = pb.read_text(str(d / "*"))
    assert b.npartitions == 3
    assert b.compute(scheduler=scheduler) == lines
    listed = pb.read_text([d / "1.json", str(d / "0.json")])
    assert listed.compute(scheduler=scheduler) == lines[25:40] + lines[:25]
    names = b.map(json.loads).pluck("name").frequencies(sort=True)
    assert names.compute(scheduler=scheduler) == Counter(NAMES).most_common()


@pytest.mark.parametrize("opener, ext", [(bz2.open, "bz2"), (lzma.open, "xz"),
                                         (gzip.open, "gz")])
def test_compression_by_extension(tmp_path, opener, ext):
    path = tmp_path / f"lines.txt.{ext}"
    with opener(path, "wt") as f:
        f.write("a\nb\nc")
    assert pb.read_text(str(path)).compute(scheduler="sync") == ["a\n", "b\n", "c"]
    plain = tmp_path / "plain.data"
    with opener(plain, "wt") as f:
        f.write("x\n")
    assert pb.read_text(str(plain), compression=ext if ext != "gz" else "gzip").compute(
        scheduler="sync") == ["x\n"]


def test_blocksize_splits_at_line_boundaries(data, scheduler):
    d, lines = data
    path = d / "0.json"
    size = path.stat().st_size
    b = pb.read_text(str(path), blocksize=200)
    assert b.npartitions == -(-size // 200) > 5
    assert b.compute(scheduler=scheduler) == lines[:25]
    parts = [p.compute(scheduler="sync") for p in b.to_delayed()]
    assert all(line.endswith("\n") for part in parts for line in part)
    assert pb.read_text(str(path), blocksize="1kB").npartitions == -(-size // 1000)
    counted = b.map(json.loads).pluck("id").count()
    assert counted.compute(scheduler=scheduler) == 25


def test_blocks_of_a_file_without_final_newline(tmp_path):
    path = tmp_path / "x.txt"
    path.write_text("".join(f"line {i}\n" for i in range(100)) + "last")
    expected = path.read_text().splitlines(keepends=True)
    for blocksize in [1, 7, 64, 10_000]:
        assert pb.read_text(str(path), blocksize=blocksize).compute(scheduler="sync") \
            == expected


def test_include_path_encoding_and_delimiter(tmp_path, scheduler):
    path = tmp_path / "latin.txt"
    path.write_bytes("café|naïve|end".encode("latin-1"))
    b = pb.read_text(str(path), encoding="latin-1", linedelimiter="|", include_path=True)
    got = b.compute(scheduler=scheduler)
    assert got == [("café|", str(path)), ("naïve|", str(path)), ("end", str(path))]
    crlf = tmp_path / "crlf.txt"
    crlf.write_bytes(b"a\r\nb\r\n")
    assert pb.read_text(str(crlf)).compute(scheduler=scheduler) == ["a\r\n", "b\r\n"]
    bad = pb.read_text(str(path), errors="replace").compute(scheduler=scheduler)
    assert bad == ["caf\ufffd|na\ufffdve|end"]


def test_fsspec_memory_urls():
    fs = fsspec.filesystem("memory")
    fs.pipe("/bagtest/a.json", b'{"name": "x"}\n{"name": "y"}\n')
    fs.pipe("/bagtest/b.json", b'{"name": "x"}\n')
    b = pb.read_text("memory://bagtest/*.json").map(json.loads).pluck("name")
    assert b.frequencies(sort=True).compute(scheduler="sync") == [("x", 2), ("y", 1)]
    pb.from_sequence(["1", "2"], npartitions=2).to_textfiles("memory://bagout/*.txt",
                                                             scheduler="sync")
    assert fs.cat("/bagout/0.txt") == b"1"


def test_read_errors_name_the_path(tmp_path):
    with pytest.raises(FileNotFoundError, match="no files match '.*nothing-\\*.json'"):
        pb.read_text(str(tmp_path / "nothing-*.json"))
    (tmp_path / "here.txt").write_text("x\n")
    with pytest.raises(FileNotFoundError, match="no such file '.*missing.txt'"):
        pb.read_text([str(tmp_path / "here.txt"), str(tmp_path / "missing.txt")])
    with pytest.raises(ValueError, match="cannot read '12 parsecs' as a size"):
        pb.read_text(str(tmp_path / "here.txt"), blocksize="12 parsecs")
    with pytest.raises(ValueError, match="unknown compression 'zipzap'"):
        pb.read_text(str(tmp_path / "here.txt"), compression="zipzap")


def write_bad_file(path, bad_at, n=60):
    with open(path, "w") as f:
        for i in range(1, n + 1):
            f.write("{bad json\n" if i == bad_at else json.dumps({"name": f"n{i}"}) + "\n")


@pytest.mark.parametrize("blocksize", [None, 200])
def test_a_bad_line_names_the_file_and_line(tmp_path, scheduler, blocksize):
    path = tmp_path / "bad.json"
    write_bad_file(path, bad_at=37)
    b = pb.read_text(str(path), blocksize=blocksize).map(json.loads).pluck("name")
    with pytest.raises(json.JSONDecodeError) as info:
        b.frequencies().compute(scheduler=scheduler)
    assert f"while processing line 37 of {path}" in info.value.__notes__
    with pytest.raises(json.JSONDecodeError) as info:
        b.compute(scheduler=scheduler)
    assert f"while processing line 37 of {path}" in info.value.__notes__


def test_a_missing_key_names_the_line(tmp_path, scheduler):
    path = tmp_path / "keys.json"
    path.write_text('{"name": 1}\n{"name": 2}\n{"nom": 3}\n')
    b = pb.read_text(str(path)).map(json.loads).filter(lambda r: True).pluck("name")
    with pytest.raises(KeyError) as info:
        b.sum().compute(scheduler=scheduler)
    assert f"while processing line 3 of {path}" in info.value.__notes__
    whole = pb.read_text(str(path)).map(json.loads).map_partitions(
        lambda p: [r["name"] for r in p])
    with pytest.raises(KeyError) as info:
        whole.compute(scheduler=scheduler)
    assert f"while processing a partition read from {path}" in info.value.__notes__


def test_to_textfiles_round_trip(tmp_path, scheduler):
    b = pb.from_sequence([{"i": i} for i in range(10)], npartitions=3).map(json.dumps)
    paths = b.to_textfiles(str(tmp_path / "out" / "part-*.json.gz"),
                           name_function=lambda i: f"{i:03d}", scheduler=scheduler)
    assert [os.path.basename(p) for p in paths] == [
        "part-000.json.gz", "part-001.json.gz", "part-002.json.gz"]
    with gzip.open(paths[0], "rt") as f:
        assert f.read() == '{"i": 0}\n{"i": 1}\n{"i": 2}\n{"i": 3}'
    back = pb.read_text(str(tmp_path / "out" / "*.gz")).map(json.loads)
    assert back.compute(scheduler=scheduler) == [{"i": i} for i in range(10)]
    directory = b.to_textfiles(str(tmp_path / "dir"), last_endline=True, scheduler=scheduler)
    assert sorted(os.listdir(tmp_path / "dir")) == ["0.part", "1.part", "2.part"]
    assert open(directory[2]).read().endswith("\n")
    listed = [str(tmp_path / n) for n in "abc"]
    assert b.to_textfiles(listed, scheduler=scheduler) == listed


def test_to_textfiles_lazy_and_errors(tmp_path):
    b = pb.from_sequence(["x", "y"], npartitions=2)
    delayed = b.to_textfiles(str(tmp_path / "*.txt"), compute=False)
    assert not os.path.exists(tmp_path / "0.txt")
    assert [d.compute(scheduler="sync") for d in delayed] == [
        [str(tmp_path / "0.txt")], [str(tmp_path / "1.txt")]]
    assert (tmp_path / "1.txt").read_text() == "y"
    with pytest.raises(TypeError, match="to_textfiles writes strings, got dict"):
        pb.from_sequence([{"a": 1}]).to_textfiles(str(tmp_path / "d-*.txt"),
                                                  scheduler="sync")
    with pytest.raises(ValueError, match="3 paths given for 2 partitions"):
        b.to_textfiles(["a", "b", "c"])


def test_from_and_to_delayed(scheduler):
    parts = [plait.delayed(list)(range(i * 3, i * 3 + 3)) for i in range(3)]
    b = pb.from_delayed(parts)
    assert b.npartitions == 3
    assert b.map(lambda x: x * 2).compute(scheduler=scheduler) == [x * 2 for x in range(9)]
    assert pb.from_delayed(plait.delayed(tuple)("ab")).compute(scheduler=scheduler) == ["a", "b"]
    delayed = b.map(str).to_delayed()
    assert len(delayed) == 3
    assert plait.compute(*delayed, scheduler=scheduler) == (["0", "1", "2"], ["3", "4", "5"],
                                                            ["6", "7", "8"])
    with pytest.raises(TypeError, match="from_delayed expects Delayed values, got list"):
        pb.from_delayed([[1, 2]])


def test_to_dataframe(scheduler):
    b = pb.from_sequence([{"a": i, "b": str(i)} for i in range(6)], npartitions=2)
    df = b.to_dataframe()
    assert df.npartitions == 2
    got = df.compute(scheduler=scheduler)
    assert list(got.columns) == ["a", "b"]
    assert got["a"].tolist() == list(range(6)) and got["b"].tolist() == list("012345")
    rows = b.map(lambda d: (d["a"], d["b"])).filter(lambda t: t[0] < 2)
    small = rows.to_dataframe(columns=["x", "y"]).compute(scheduler=scheduler)
    assert list(small.columns) == ["x", "y"] and small["x"].tolist() == [0, 1]
    assert str(small["x"].dtype) == "int64"


def test_to_dataframe_without_the_dataframe_collection(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "plait.dataframe", None)
    with pytest.raises(ImportError, match="pip install plait\\[dataframe\\]"):
        pb.from_sequence([{"a": 1}]).to_dataframe()


@settings(max_examples=60, deadline=None)
@given(data=st.binary(max_size=80).map(lambda b: bytes(b"ab\n"[x % 3] for x in b)),
       blocksize=st.integers(1, 30))
def test_blocks_tile_the_file_at_line_boundaries(data, blocksize):
    import io
    import tempfile

    from fsspec.utils import read_block

    from plait.bag.lines import block_range

    for offset in range(0, max(len(data), 1), blocksize):
        start, end = block_range(io.BytesIO(data), offset, blocksize, b"\n")
        assert data[start:end] == read_block(io.BytesIO(data), offset, blocksize, b"\n")
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "x.txt")
        with open(path, "wb") as f:
            f.write(data)
        got = pb.read_text(path, blocksize=blocksize).compute(scheduler="sync")
    assert got == data.decode().splitlines(keepends=True)
