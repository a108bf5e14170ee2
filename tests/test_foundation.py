"""The build and the twin selection: compiled twins load, pure twins exist, one place decides."""

from __future__ import annotations

import ast
import importlib.machinery
import os
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

import fastclient
from fastclient import _impl

ROOT = Path(__file__).resolve().parent.parent


def _setup_twins() -> list:
    tree = ast.parse((ROOT / "setup.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == "TWINS":
            return [ast.literal_eval(elt) for elt in node.value.elts]  # type: ignore[attr-defined]
    raise AssertionError("setup.py has no TWINS list")


def test_setup_and_impl_list_the_same_twins() -> None:
    assert _setup_twins() == list(_impl.TWINS)


def test_every_py_twin_source_is_listed() -> None:
    sources = sorted(ROOT.glob("fastclient/**/_*_py.py"))
    listed = {base.replace(".", "/") + "_py.py" for base in _impl.TWINS}
    for path in sources:
        assert str(path.relative_to(ROOT)) in listed, f"{path} is a twin source missing from TWINS"


@pytest.mark.parametrize("base", _impl.TWINS)
def test_each_twin_has_pure_source_and_pxd(base: str) -> None:
    path = base.replace(".", "/")
    assert (ROOT / f"{path}_py.py").is_file()
    assert (ROOT / "src_c" / f"{path}_c.pxd").is_file()
    assert _impl.twin(base, "py").__name__ == base + "_py"


@pytest.mark.skipif(_impl.IMPLEMENTATION != "c", reason="pure-Python run")
@pytest.mark.parametrize("base", _impl.TWINS)
def test_compiled_twin_is_loaded(base: str) -> None:
    module = _impl.load(base)
    assert module.__name__ == base + "_c"
    suffixes = tuple(importlib.machinery.EXTENSION_SUFFIXES)
    assert module.__file__ is not None and module.__file__.endswith(suffixes)
    assert not _impl.FAILED


def test_describe_names_the_implementation() -> None:
    text = _impl.describe()
    if _impl.IMPLEMENTATION == "c":
        assert text.startswith("compiled (")
    else:
        assert text.startswith("pure (")


def test_version_command() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "fastclient", "--version"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    ).stdout
    assert out.startswith(f"fastclient {fastclient.__version__} [")
    assert ("compiled" in out) == (_impl.IMPLEMENTATION == "c")


def test_no_extensions_env_selects_pure_twins() -> None:
    env = dict(os.environ, FASTCLIENT_NO_EXTENSIONS="1")
    code = (
        "from fastclient import _impl; "
        "print(_impl.IMPLEMENTATION, _impl.load('fastclient._protocol._http11').__name__)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env, cwd=ROOT
    ).stdout.split()
    assert out == ["py", "fastclient._protocol._http11_py"]


@pytest.mark.skipif(_impl.IMPLEMENTATION != "c", reason="pure-Python run")
def test_compiled_twins_never_load_a_pure_one() -> None:
    # Twins that call other twins (the parser and the writer the field helpers, the HTTP/2
    # core its field rules, the pool its records) cimport the compiled ones: parsing,
    # writing, an HTTP/2 request and a pool acquire in a compiled run import no pure twin.
    code = (
        "import sys\n"
        "from fastclient import _impl\n"
        "from fastclient._net.h1 import write_request_head\n"
        "from fastclient._protocol import http2\n"
        "_impl.describe()\n"
        "parser = _impl.load('fastclient._protocol._http11').ResponseParser()\n"
        "parser.start_response(b'GET')\n"
        "parser.feed(b'HTTP/1.1 200 OK\\r\\nContent-Length: 2\\r\\n\\r\\nok')[0].fields()\n"
        "write_request_head(b'GET', b'/', [(b'Host', b'h')])\n"
        "core = http2.new_connection()\n"
        "core.send_request(b'GET', b'https', b'', b'/', [(b'Host', b'h')], True)\n"
        "from fastclient._protocol.pool import PoolState\n"
        "PoolState().acquire((b'http', b'h', 80), 0.0)\n"
        "print(sorted(m for m in sys.modules if m.startswith('fastclient.') and m[-3:] == '_py'))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout
    assert out.strip() == "[]"


def test_pure_twins_never_import_cython() -> None:
    # Cython is a build tool: a pure twin that calls other twins (the parser and the writer
    # their field helpers, the HTTP/2 core its field rules, the pool its records) imports the
    # pure ones with _nocython standing in for `cython`, whether Cython is installed or not.
    env = dict(os.environ, FASTCLIENT_NO_EXTENSIONS="1")
    code = (
        "import sys\n"
        "from fastclient import Client, _impl\n"
        "from fastclient._protocol import http2\n"
        "parser = _impl.load('fastclient._protocol._http11').ResponseParser()\n"
        "parser.start_response(b'GET')\n"
        "head = parser.feed(b'HTTP/1.1 200 OK\\r\\nContent-Length: 2\\r\\nX-A: b\\r\\n'\n"
        "                   b'\\r\\nok')[0]\n"
        "core = http2.new_connection()\n"
        "core.send_request(b'GET', b'https', b'', b'/', [(b'Host', b'h')], True)\n"
        "from fastclient._protocol.pool import PoolState\n"
        "slot = PoolState().acquire((b'http', b'h', 80), 0.0)\n"
        "print(_impl.describe().split()[0], head.fields()[1], len(core.data_to_send()) > 0)\n"
        "print(type(slot).__module__, 'cython' in sys.modules, 'Cython' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env, cwd=ROOT
    ).stdout.split()
    assert out[:4] == ["pure", "[b'content-length',", "b'x-a']", "True"]
    assert out[4:] == ["fastclient._protocol._poolrecords_py", "False", "False"]


def test_broken_compiled_twin_is_loud(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pkg = tmp_path / "fc_fake_pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "_thing_py.py").write_text("X = 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(_impl, "IMPLEMENTATION", "c")
    monkeypatch.setattr(_impl, "FAILED", {})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        module = _impl.load("fc_fake_pkg._thing")
    assert module.X == 1
    assert "fc_fake_pkg._thing" in _impl.FAILED
    assert any(issubclass(w.category, RuntimeWarning) for w in caught)
    _impl._loaded.pop("fc_fake_pkg._thing", None)


def test_exception_tree_matches_httpx() -> None:
    httpx = pytest.importorskip("httpx")
    for name in dir(httpx):
        obj = getattr(httpx, name)
        is_exc = isinstance(obj, type) and issubclass(obj, Exception)
        if is_exc and obj.__module__.startswith("httpx"):
            ours = getattr(fastclient, name)
            theirs_bases = [c.__name__ for c in obj.__mro__ if c.__module__.startswith("httpx")]
            our_bases = [c.__name__ for c in ours.__mro__ if c.__module__.startswith("fastclient")]
            assert our_bases == theirs_bases, name
            assert issubclass(ours, RuntimeError) == issubclass(obj, RuntimeError), name


def test_package_is_typed() -> None:
    assert (Path(fastclient.__file__).parent / "py.typed").is_file()
