"""The saved-program cache (orus/program_cache.py) stays within its bounds."""

import os
import time

import pytest

import orus
from orus import program_cache as pc


def _fill(folder, count, size=100, start=None):
    """`count` entries with mtimes one second apart, oldest first."""
    start = time.time() - 10_000 if start is None else start
    names = []
    for i in range(count):
        name = "%064x.orusbc" % i
        path = folder / name
        path.write_bytes(b"x" * size)
        os.utime(path, (start + i, start + i))
        names.append(name)
    return names


def _saved(folder):
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(pc.SUFFIXES))


def test_nothing_is_deleted_within_the_bounds(tmp_path):
    names = _fill(tmp_path, 10)
    assert pc.trim(str(tmp_path), max_files=10, max_bytes=10_000) == 0
    assert _saved(tmp_path) == names


def test_too_many_files_delete_the_least_recently_used(tmp_path):
    names = _fill(tmp_path, 30)
    removed = pc.trim(str(tmp_path), max_files=20, max_bytes=1 << 30)
    assert removed == 30 - 16                        # down to TRIM_TO of the bound
    assert _saved(tmp_path) == names[-16:]


def test_too_many_bytes_delete_the_least_recently_used(tmp_path):
    names = _fill(tmp_path, 10, size=1000)
    pc.trim(str(tmp_path), max_files=1000, max_bytes=5000)
    assert _saved(tmp_path) == names[-4:]            # 4000 <= 0.8 * 5000


def test_temporary_files_of_writers_are_left_alone_unless_stale(tmp_path):
    _fill(tmp_path, 30)
    fresh, stale = tmp_path / ".tmp-fresh", tmp_path / ".tmp-stale"
    fresh.write_bytes(b"half a program")
    stale.write_bytes(b"left by a crash")
    os.utime(stale, (time.time() - 2 * pc.STALE_TEMP,) * 2)
    pc.trim(str(tmp_path), max_files=20, max_bytes=1 << 30)
    assert fresh.exists() and not stale.exists()


def test_a_reader_keeps_reading_a_file_deleted_under_it(tmp_path):
    """Why trimming never breaks a loading process: a reader opens and reads
    a file in one go; on POSIX a deleted file stays readable while open (and
    writes are atomic renames, so no reader sees a partial file)."""
    names = _fill(tmp_path, 30, size=50_000)
    with open(tmp_path / names[0], "rb") as fh:     # the oldest: trimmed first
        pc.trim(str(tmp_path), max_files=20, max_bytes=1 << 30)
        assert not (tmp_path / names[0]).exists()
        assert fh.read() == b"x" * 50_000


def test_saving_trims_and_loading_counts_as_use(tmp_path, monkeypatch):
    monkeypatch.setenv("ORUS_BYTECODE_CACHE_FILES", "5")
    folder = str(tmp_path)
    sources = [("print(%d)\n" % i).encode() for i in range(12)]
    first = sources[0]
    pc.save_cached(folder, orus.compile_source(first), first)
    for src in sources[1:]:
        # the first program is used again and again (a load touches its file);
        # the others are saved once, each after the one before (later mtime)
        time.sleep(0.01)             # file times tick with a coarse clock (~4 ms)
        assert pc.load_cached(folder, first, "<first>") is not None
        time.sleep(0.01)
        pc.save_cached(folder, orus.compile_source(src), src)
        assert len(_saved(tmp_path)) <= 5
    assert pc.load_cached(folder, first, "<first>") is not None       # kept: recently used
    assert pc.load_cached(folder, sources[1], "<second>") is None     # trimmed long ago
    assert pc.load_cached(folder, sources[-1], "<last>") is not None


def test_the_default_bounds_never_matter_for_a_normal_user():
    assert pc.MAX_FILES >= 2000 and pc.MAX_BYTES >= 200 << 20


@pytest.mark.parametrize("value", ["-3", "lots"])
def test_a_bad_bound_in_the_environment_is_ignored_or_clamped(tmp_path, monkeypatch, value):
    monkeypatch.setenv("ORUS_BYTECODE_CACHE_FILES", value)
    _fill(tmp_path, 3)
    pc.trim(str(tmp_path), max_bytes=1 << 30)
    assert len(_saved(tmp_path)) == (0 if value == "-3" else 3)


def test_compiler_version_comes_from_a_stat_checked_index(tmp_path, monkeypatch):
    """Hashing the compiler's sources on every run cost ~5 ms: a run reads
    the digest from an index, trusted while the files keep size and mtime
    and no file is added."""
    import shutil
    from orus.jit import cache
    pkg = tmp_path / "orus"
    for sub in pc.COMPILER_PACKAGES:
        shutil.copytree(os.path.join(pc.PACKAGE_DIR, sub), pkg / sub,
                        ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setenv("ORUS_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(pc, "PACKAGE_DIR", str(pkg))
    monkeypatch.setattr(cache, "_WRITABLE", {})
    hashed = []
    real = cache.files_digest
    monkeypatch.setattr(cache, "files_digest", lambda *a: hashed.append(a) or real(*a))

    def version():
        monkeypatch.setattr(pc, "_compiler_version", None)
        return pc.compiler_version()

    first = version()
    assert len(hashed) == 1 and list((tmp_path / "cache").glob("compiler-*"))
    assert version() == first and len(hashed) == 1               # from the index
    with open(pkg / "frontend" / "parser.py", "a") as fh:
        fh.write("# edited\n")
    edited = version()
    assert edited != first and len(hashed) == 2                  # stale: hashed again
    assert version() == edited and len(hashed) == 2
    (pkg / "bytecode" / "extra.py").write_text("X = 1\n")
    assert version() != edited and len(hashed) == 3              # a new file counts
