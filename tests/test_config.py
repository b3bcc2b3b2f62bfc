import asyncio
import copy
import io
import multiprocessing
import os
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import yaml

from plait import config


@pytest.fixture(autouse=True)
def clean_config(monkeypatch, tmp_path):
    """Each test starts from the defaults alone: an empty home, no PLAIT_*
    variables, no overrides; everything is put back afterwards."""
    home = tmp_path / "home"
    (home / ".config" / "plait").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    for name in list(os.environ):
        if name.startswith("PLAIT_"):
            monkeypatch.delenv(name)
    defaults = copy.deepcopy(config._defaults)
    token = config._overrides.set(())
    config.refresh()
    yield home / ".config" / "plait"
    monkeypatch.undo()
    config._defaults.clear()
    config._defaults.update(defaults)
    config._overrides.reset(token)
    config.refresh()


def in_thread(func, *args):
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(func, *args).result(timeout=30)


# ------------------------------------------------------------------ get
def test_defaults_come_from_the_yaml_file():
    with open(config.DEFAULTS_FILE) as f:
        shipped = yaml.safe_load(f)
    snap = config.snapshot()
    for key, value in shipped.items():
        assert snap[key] == value
    assert config.get("scheduler") is None
    assert config.get("num_workers") is None
    assert config.get("pool") is None
    assert config.get("multiprocessing.context") == "spawn"
    assert config.get("multiprocessing.initializer") is None
    assert config.get("optimization.fuse.max-height") == 64
    assert config.get("optimization.fuse.ave-width") == 1
    assert config.get("array.chunk-size") == "128MiB"
    assert config.get("processes") == {"retries": 0, "timeout": None, "blas-threads": 1}


def test_get_with_default():
    assert config.get("callbacks", ()) == ()
    assert config.get("no.such.key", None) is None
    assert config.get("scheduler", "threads") is None  # present: default unused


def test_get_missing_key_names_it_and_suggests_close_ones():
    with pytest.raises(KeyError, match="'multiprocessing.contxt' is not a plait config "
                                       "setting; did you mean 'multiprocessing.context'"):
        config.get("multiprocessing.contxt")
    with pytest.raises(KeyError, match="'schedular'.*did you mean 'scheduler'"):
        config.get("schedular")
    with pytest.raises(KeyError) as info:
        config.get("zzz")
    assert "'zzz' is not a plait config setting" in str(info.value)
    assert "did you mean" not in str(info.value)


def test_get_below_a_value_that_is_not_a_dict_is_missing():
    with pytest.raises(KeyError, match="scheduler.x"):
        config.get("scheduler.x")


def test_underscore_and_hyphen_are_the_same():
    assert config.get("num-workers") is None
    assert config.get("optimization.fuse.ave_width") == 1
    assert config.get("array.chunk_size") == "128MiB"
    config.set(**{"num-workers": 2, "optimization.fuse.max_width": 5})
    assert config.get("num_workers") == config.get("num-workers") == 2
    assert "num-workers" not in config.config  # stored under the existing spelling
    assert config.config["optimization"]["fuse"]["max-width"] == 5
    with config.set({"array.chunk_size": "1MiB"}):
        assert config.get("array.chunk-size") == "1MiB"
        assert config.get("array") == {"chunk-size": "1MiB"}


def test_get_returns_a_copy_of_a_section():
    section = config.get("multiprocessing")
    section["context"] = "fork"
    config.get("optimization")["fuse"]["ave-width"] = 99
    assert config.get("multiprocessing.context") == "spawn"
    assert config.get("optimization.fuse.ave-width") == 1
    with config.set({"multiprocessing.context": "forkserver"}):
        config.get("multiprocessing")["context"] = "fork"
        assert config.get("multiprocessing.context") == "forkserver"


def test_values_that_are_objects_are_kept_not_copied():
    lock = threading.Lock()
    pool = object()
    with config.set(pool=pool, **{"processes.lock": lock}):
        assert config.get("pool") is pool
        assert config.get("processes")["lock"] is lock
        assert config.snapshot()["processes"]["lock"] is lock


# ------------------------------------------------------------------ set
def test_set_keywords_mapping_and_both():
    config.set(scheduler="threads")
    assert config.get("scheduler") == "threads"
    config.set({"multiprocessing.context": "forkserver"})
    assert config.get("multiprocessing.context") == "forkserver"
    config.set({"num_workers": 2, "scheduler": "sync"}, scheduler="processes")
    assert config.get("num_workers") == 2
    assert config.get("scheduler") == "processes"  # keywords win
    config.set(**{"plotting.engine": "dot"})
    assert config.get("plotting.engine") == "dot"
    assert config.get("plotting") == {"engine": "dot"}


def test_set_legacy_get_keyword_is_stored_as_key_get():
    def my_get(dsk, keys):
        return keys

    with config.set(get=my_get):
        assert config.get("get") is my_get
    with pytest.raises(KeyError):
        config.get("get")


def test_set_a_dict_value_replaces_the_section():
    with config.set(multiprocessing={"context": "fork"}):
        assert config.get("multiprocessing") == {"context": "fork"}
    assert config.get("multiprocessing") == {"context": "spawn", "initializer": None}


def test_set_copies_containers_it_is_given():
    section = {"a": [1]}
    with config.set(mine=section):
        section["a"].append(2)
        section["b"] = 3
        assert config.get("mine") == {"a": [1]}


def test_global_set_persists_and_is_seen_by_other_threads():
    config.set(scheduler="threads", num_workers=3)
    assert config.get("scheduler") == "threads"
    assert in_thread(config.get, "scheduler") == "threads"
    assert in_thread(config.get, "num_workers") == 3
    assert config.config["scheduler"] == "threads"


def test_with_block_restores_previous_values():
    config.set(num_workers=2)
    with config.set(scheduler="sync", num_workers=4) as s:
        assert isinstance(s, config.set)
        assert config.get("scheduler") == "sync"
        assert config.get("num_workers") == 4
    assert config.get("scheduler") is None
    assert config.get("num_workers") == 2


def test_with_block_removes_keys_that_did_not_exist():
    with config.set({"brand.new.key": 1, "extra": "x", "array.new": 5}):
        assert config.get("brand.new.key") == 1
        assert config.get("brand") == {"new": {"key": 1}}
        assert config.get("array") == {"chunk-size": "128MiB", "new": 5}
    for key in ("brand", "extra", "array.new"):
        with pytest.raises(KeyError, match=key):
            config.get(key)
    assert "brand" not in config.config
    assert config.get("array") == {"chunk-size": "128MiB"}


def test_nested_with_blocks():
    with config.set(scheduler="threads", num_workers=2):
        with config.set(scheduler="sync", new=1):
            assert config.get("scheduler") == "sync"
            assert config.get("num_workers") == 2
            assert config.get("new") == 1
            with config.set({"multiprocessing.context": "fork"}):
                assert config.get("multiprocessing") == {"context": "fork",
                                                         "initializer": None}
            assert config.get("multiprocessing.context") == "spawn"
        assert config.get("scheduler") == "threads"
        assert config.get("new", None) is None
    assert config.get("scheduler") is None
    assert config.get("num_workers") is None


def test_exception_inside_with_block_restores():
    with pytest.raises(ZeroDivisionError):
        with config.set(scheduler="sync"):
            with config.set(num_workers=7, other=1):
                1 / 0
    assert config.get("scheduler") is None
    assert config.get("num_workers") is None
    assert config.get("other", "gone") == "gone"
    assert config._overrides.get() == ()


def test_with_block_does_not_write_the_global_settings(monkeypatch):
    calls = []
    original = config.set._apply_global
    monkeypatch.setattr(config.set, "_apply_global",
                        lambda self: calls.append(self) or original(self))
    with config.set(scheduler="sync"):
        assert config.config["scheduler"] is None
    assert calls == []
    config.set(scheduler="threads")
    assert len(calls) == 1


def test_with_follows_detects_with_statements():
    class Probe:
        def __init__(self):
            self.seen = config._with_follows(sys._getframe(1))

        def __enter__(self):
            return self

        def __exit__(self, *exc_info):
            pass

    with Probe() as probe:
        assert probe.seen
    assert not Probe().seen
    probe = Probe()
    assert not probe.seen
    with probe:
        pass


def test_set_kept_then_used_with_with(monkeypatch):
    s = config.set(scheduler="sync")  # not followed by with: global at once
    assert config.config["scheduler"] == "sync"
    with s:
        assert config.config["scheduler"] is None  # moved into this context
        assert config.get("scheduler") == "sync"
        assert in_thread(config.get, "scheduler") is None
    assert config.get("scheduler") is None


def test_fallback_when_with_cannot_be_detected(monkeypatch):
    monkeypatch.setattr(config, "_with_follows", lambda frame: False)
    config.set(num_workers=2)
    with config.set(num_workers=5, new={"a": 1}):
        assert config.get("num_workers") == 5
        assert in_thread(config.get, "num_workers") == 2
        assert in_thread(config.get, "new", None) is None
    assert config.get("num_workers") == 2
    assert "new" not in config.config


def test_fallback_keeps_a_value_another_thread_set_meanwhile(monkeypatch):
    monkeypatch.setattr(config, "_with_follows", lambda frame: False)
    s = config.set(scheduler="sync")
    in_thread(lambda: config.set(scheduler="threads"))
    with s:
        assert config.get("scheduler") == "sync"
    assert config.get("scheduler") == "threads"


def test_bare_set_inside_with_block_is_global_and_seen_at_once():
    with config.set(scheduler="sync"):
        config.set(scheduler="threads", num_workers=3)
        assert config.get("scheduler") == "threads"
        assert config.get("num_workers") == 3
        assert in_thread(config.get, "num_workers") == 3
    assert config.get("scheduler") == "threads"
    assert config.get("num_workers") == 3


def test_set_kept_inside_a_with_block_then_entered():
    with config.set(scheduler="sync"):
        s = config.set(num_workers=3)
        with s:
            assert config.get("num_workers") == 3
        assert config.get("num_workers") is None
        assert config.get("scheduler") == "sync"
    assert config.get("num_workers") is None


def test_set_object_is_entered_once_only():
    s = config.set(scheduler="sync")
    with s:
        with pytest.raises(RuntimeError, match="one with-block only"):
            s.__enter__()
    with pytest.raises(RuntimeError, match="one with-block only"):
        with s:
            pass
    with pytest.raises(RuntimeError, match="without __enter__"):
        config.set(scheduler="threads").__exit__(None, None, None)


def test_set_repr():
    s = config.set({"multiprocessing.context": "fork"}, num_workers=2)
    assert repr(s) == ("plait.config.set({'multiprocessing.context': 'fork', "
                       "'num_workers': 2})")


# ------------------------------------------------------ thread isolation
def test_with_block_in_one_thread_is_not_seen_by_another():
    entered, looked = threading.Event(), threading.Event()
    seen = {}

    def thread_a():
        with config.set(scheduler="sync", num_workers=1):
            entered.set()
            assert looked.wait(timeout=30)
            seen["a"] = config.get("scheduler"), config.get("num_workers")
        seen["a after"] = config.get("scheduler")

    def thread_b():
        assert entered.wait(timeout=30)
        seen["b"] = config.get("scheduler"), config.get("num_workers")
        looked.set()

    with ThreadPoolExecutor(2) as pool:
        futures = [pool.submit(thread_a), pool.submit(thread_b)]
        for future in futures:
            future.result(timeout=30)
    assert seen == {"a": ("sync", 1), "b": (None, None), "a after": None}


def test_with_blocks_in_two_threads_at_once():
    barrier = threading.Barrier(2, timeout=30)

    def run(name):
        with config.set(scheduler=name, **{f"only.{name}": True}):
            barrier.wait()  # both blocks are open now
            seen = config.get("scheduler"), sorted(config.get("only"))
            barrier.wait()
        return seen, config.get("scheduler")

    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(run, ["threads", "processes"]))
    assert results == [(("threads", ["threads"]), None),
                       (("processes", ["processes"]), None)]
    assert config.get("scheduler") is None


def test_global_set_from_another_thread_during_a_with_block():
    entered, done = threading.Event(), threading.Event()

    def thread_b():
        assert entered.wait(timeout=30)
        config.set(scheduler="processes", num_workers=6)
        done.set()

    with ThreadPoolExecutor(1) as pool:
        future = pool.submit(thread_b)
        with config.set(scheduler="sync"):
            entered.set()
            assert done.wait(timeout=30)
            assert config.get("scheduler") == "sync"  # our override wins here
            assert config.get("num_workers") == 6  # the rest is global
        future.result(timeout=30)
    assert config.get("scheduler") == "processes"  # not clobbered by our exit
    assert config.get("num_workers") == 6


def test_asyncio_tasks_have_their_own_overrides():
    async def task(name, mine, other, done):
        with config.set(scheduler=name):
            mine.set()
            await other.wait()  # both blocks are open now
            seen = config.get("scheduler")
            done.set()
            await asyncio.sleep(0)
        return seen

    async def main():  # Events, not asyncio.Barrier: that needs Python 3.11
        a, b, done_a, done_b = (asyncio.Event() for _ in range(4))
        return await asyncio.gather(task("a", a, b, done_a), task("b", b, a, done_b))

    assert asyncio.run(main()) == ["a", "b"]
    assert config.get("scheduler") is None


# ------------------------------------------------------------ validation
@pytest.mark.parametrize("value", [0, -1, -100])
def test_num_workers_must_be_positive(value):
    with pytest.raises(ValueError, match="^num_workers must be greater than 0$"):
        config.set(num_workers=value)
    with pytest.raises(ValueError, match="num_workers must be greater than 0"):
        with config.set({"num-workers": value}):
            pass
    assert config.get("num_workers") is None


@pytest.mark.parametrize("value", ["four", 2.0, True])
def test_num_workers_must_be_an_int(value):
    with pytest.raises(TypeError, match=f"num_workers must be an int or None, got {value!r}"):
        config.set(num_workers=value)


def test_num_workers_accepts_ints_and_none():
    with config.set(num_workers=1):
        assert config.get("num_workers") == 1
    config.set(num_workers=None)
    assert config.get("num_workers") is None


def test_multiprocessing_context_must_be_a_start_method():
    methods = multiprocessing.get_all_start_methods()
    for method in methods + [None]:
        with config.set({"multiprocessing.context": method}):
            assert config.get("multiprocessing.context") == method
    with pytest.raises(ValueError, match="multiprocessing.context must be one of "
                                         f"{', '.join(methods)}.*got 'bogus'"):
        config.set({"multiprocessing.context": "bogus"})
    with pytest.raises(ValueError, match="got 'bogus'"):
        config.set(multiprocessing={"context": "bogus"})
    assert config.get("multiprocessing.context") == "spawn"


def test_failed_validation_changes_nothing():
    with pytest.raises(ValueError):
        config.set(scheduler="threads", num_workers=0)
    assert config.get("scheduler") is None


def test_unknown_keys_are_allowed():
    config.set({"mylib.colour": "blue"}, anything=[1, 2])
    assert config.get("mylib.colour") == "blue"
    assert config.get("anything") == [1, 2]


def test_set_bad_arguments():
    with pytest.raises(TypeError, match="takes a mapping of settings.*got list"):
        config.set([("scheduler", "threads")])
    with pytest.raises(ValueError, match="'a..b' is not a valid config key"):
        config.set({"a..b": 1})
    with pytest.raises(TypeError, match="cannot set 'scheduler.x': 'scheduler' holds "
                                        "'threads', not a mapping"):
        with config.set(scheduler="threads"):
            config.set({"scheduler.x": 1})


# ------------------------------------------------------------ YAML files
def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_yaml_in_home_config_dir_merges_deeply(clean_config):
    write(clean_config / "a.yaml", "multiprocessing:\n  context: fork\nnum-workers: 3\n")
    write(clean_config / "b.yml", "num_workers: 5\nmine: {x: 1}\n")
    write(clean_config / "notes.txt", "scheduler: [broken\n")  # not YAML by name
    config.refresh()
    assert config.get("multiprocessing") == {"context": "fork", "initializer": None}
    assert config.get("num_workers") == 5  # b after a, by name
    assert "num-workers" not in config.config
    assert config.get("mine.x") == 1


def test_plait_config_names_files_and_directories(clean_config, tmp_path, monkeypatch):
    write(clean_config / "home.yaml", "scheduler: home\nnum_workers: 1\narray: {x: 1}\n")
    one = write(tmp_path / "one.yaml", "scheduler: one\n")
    folder = tmp_path / "folder"
    write(folder / "two.yaml", "num_workers: 2\n")
    monkeypatch.setenv("PLAIT_CONFIG", os.pathsep.join([str(one), str(folder)]))
    config.refresh()
    assert config.get("scheduler") == "one"
    assert config.get("num_workers") == 2
    assert config.get("array") == {"chunk-size": "128MiB", "x": 1}
    assert "config" not in config.config


def test_environment_wins_over_files(clean_config, monkeypatch):
    write(clean_config / "a.yaml", "scheduler: file\n")
    monkeypatch.setenv("PLAIT_SCHEDULER", "env")
    config.refresh()
    assert config.get("scheduler") == "env"


def test_empty_yaml_file_is_fine(clean_config):
    write(clean_config / "empty.yaml", "")
    config.refresh()
    assert config.get("scheduler") is None


def test_broken_yaml_names_the_file(clean_config):
    bad = write(clean_config / "bad.yaml", "scheduler: [threads\n")
    with pytest.raises(ValueError, match=f"cannot parse plait config file {bad}"):
        config.refresh()


def test_yaml_that_is_not_a_mapping_names_the_file(clean_config):
    bad = write(clean_config / "list.yaml", "- scheduler\n- threads\n")
    with pytest.raises(ValueError, match=f"plait config file {bad} must hold a "
                                         "mapping of settings, not a list"):
        config.refresh()


def test_invalid_value_in_yaml_names_the_file(clean_config):
    bad = write(clean_config / "zero.yaml", "num_workers: 0\n")
    with pytest.raises(ValueError, match=f"{bad}: num_workers must be greater than 0"):
        config.refresh()


def test_plait_config_that_does_not_exist_warns(tmp_path, monkeypatch):
    missing = tmp_path / "nope.yaml"
    monkeypatch.setenv("PLAIT_CONFIG", str(missing))
    with pytest.warns(UserWarning, match=f"PLAIT_CONFIG names {missing}, which does not exist"):
        config.refresh()
    assert config.get("scheduler") is None


def test_collect_yaml_and_config_paths(tmp_path, clean_config):
    first = write(tmp_path / "1.yaml", "a: {b: 1, c: 2}\n")
    second = write(tmp_path / "2.yaml", "a: {c: 3}\n")
    assert config.collect_yaml([first, second, tmp_path / "missing"]) == {"a": {"b": 1, "c": 3}}
    assert config.collect_yaml([]) == {}
    assert config.config_paths({}) == [clean_config]
    assert config.config_paths({"PLAIT_CONFIG": f"{first}{os.pathsep}{os.pathsep}{second}"}) \
        == [clean_config, first, second]


# ---------------------------------------------------- environment variables
def test_environment_variables(monkeypatch):
    monkeypatch.setenv("PLAIT_SCHEDULER", "threads")
    monkeypatch.setenv("PLAIT_NUM_WORKERS", "4")
    monkeypatch.setenv("PLAIT_MULTIPROCESSING__CONTEXT", "fork")
    monkeypatch.setenv("PLAIT_ARRAY__CHUNK_SIZE", "64MiB")
    monkeypatch.setenv("PLAIT_PROCESSES__TIMEOUT", "1.5")
    monkeypatch.setenv("PLAIT_PROCESSES__RETRIES", "None")
    monkeypatch.setenv("PLAIT_MINE__FLAG", "True")
    monkeypatch.setenv("PLAIT_MINE__ITEMS", "[1, 'a']")
    monkeypatch.setenv("PLAIT_MINE__TEXT", "not a literal")
    monkeypatch.setenv("PLAIT_CONFIG", "")
    monkeypatch.setenv("OTHER_SCHEDULER", "ignored")
    config.refresh()
    assert config.get("scheduler") == "threads"
    assert config.get("num_workers") == 4
    assert config.get("multiprocessing.context") == "fork"
    assert config.get("array") == {"chunk-size": "64MiB"}  # '_' matched '-'
    assert config.get("processes.timeout") == 1.5
    assert config.get("processes.retries") is None
    assert config.get("mine") == {"flag": True, "items": [1, "a"], "text": "not a literal"}
    assert "config" not in config.config


def test_collect_env_takes_a_mapping():
    assert config.collect_env({"PLAIT_A__B__C": "1", "PLAIT_": "x", "PATH": "/bin",
                               "PLAIT_CONFIG": "/etc"}) == {"a": {"b": {"c": 1}}}


def test_invalid_environment_value_names_the_variable(monkeypatch):
    monkeypatch.setenv("PLAIT_NUM_WORKERS", "-2")
    with pytest.raises(ValueError, match="environment variable PLAIT_NUM_WORKERS: "
                                         "num_workers must be greater than 0"):
        config.refresh()
    monkeypatch.setenv("PLAIT_NUM_WORKERS", "2")
    monkeypatch.setenv("PLAIT_MULTIPROCESSING__CONTEXT", "teleport")
    with pytest.raises(ValueError, match="PLAIT_MULTIPROCESSING__CONTEXT: "
                                         "multiprocessing.context must be one of"):
        config.refresh()


# --------------------------------------------------- refresh and defaults
def test_refresh_discards_global_sets_and_rereads(monkeypatch):
    config.set(scheduler="threads", new=1)
    monkeypatch.setenv("PLAIT_NUM_WORKERS", "2")
    config.refresh()
    assert config.get("scheduler") is None
    assert config.get("new", None) is None
    assert config.get("num_workers") == 2


def test_refresh_keeps_open_with_blocks():
    with config.set(scheduler="sync"):
        config.refresh()
        assert config.get("scheduler") == "sync"
    assert config.get("scheduler") is None


def test_refresh_keeps_the_same_dict():
    settings = config.config
    config.refresh()
    assert config.config is settings


def test_update_defaults_adds_and_respects_user_settings(monkeypatch):
    config.set({"mylib.kept": "user"})
    config.update_defaults({"mylib": {"kept": "default", "new": 1},
                            "optimization": {"fuse": {"ave-width": 2}}})
    assert config.get("mylib") == {"kept": "user", "new": 1}
    assert config.get("optimization.fuse.ave-width") == 2  # was still the default
    config.refresh()
    assert config.get("mylib") == {"kept": "default", "new": 1}
    monkeypatch.setenv("PLAIT_MYLIB__NEW", "5")
    config.refresh()
    config.update_defaults({"mylib": {"new": 2}})
    assert config.get("mylib.new") == 5  # from the environment: kept


def test_update_defaults_validates():
    with pytest.raises(ValueError, match="num_workers must be greater than 0"):
        config.update_defaults({"num_workers": 0})
    assert config.get("num_workers") is None


# -------------------------------------------------------------- helpers
def test_expand_environment_variables(monkeypatch):
    monkeypatch.setenv("PLAIT_TEST_DIR", "/data")
    value = {"a": "$PLAIT_TEST_DIR/x", "b": ["${PLAIT_TEST_DIR}", 1],
             "c": ("$PLAIT_TEST_DIR",), "d": "$UNSET_PLAIT_VAR", "e": None}
    assert config.expand_environment_variables(value) == {
        "a": "/data/x", "b": ["/data", 1], "c": ("/data",),
        "d": "$UNSET_PLAIT_VAR", "e": None}


def test_pprint(capsys):
    with config.set({"multiprocessing.context": "fork"}):
        config.pprint()
    out = capsys.readouterr().out
    assert "multiprocessing:\n  context: 'fork'\n  initializer: None\n" in out
    assert "scheduler: None\n" in out
    assert "    max-height: 64\n" in out
    buffer = io.StringIO()
    config.pprint("array.chunk-size", file=buffer)
    assert buffer.getvalue() == "'128MiB'\n"
    with pytest.raises(KeyError, match="nope"):
        config.pprint("nope")


def test_snapshot_is_a_copy_with_overrides():
    with config.set(scheduler="sync"):
        snap = config.snapshot()
    assert snap["scheduler"] == "sync"
    snap["multiprocessing"]["context"] = "fork"
    assert config.get("multiprocessing.context") == "spawn"
    assert config.snapshot()["scheduler"] is None


def test_module_imports_only_stdlib_and_yaml():
    code = (
        "import importlib.util, sys\n"
        "before = set(sys.modules)\n"
        f"spec = importlib.util.spec_from_file_location('cfg', {str(config.__file__)!r})\n"
        "module = importlib.util.module_from_spec(spec)\n"
        "spec.loader.exec_module(module)\n"
        "new = [sys.modules[m] for m in set(sys.modules) - before]\n"
        "files = [getattr(m, '__file__', None) or '' for m in new]\n"
        "print(sorted({m.__name__.split('.')[0] for m, f in zip(new, files)\n"
        "              if 'site-packages' in f or 'plait' in m.__name__}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() in ("['yaml']", "['_yaml', 'yaml']")
