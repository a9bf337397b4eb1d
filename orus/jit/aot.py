"""The native VM: the njit loop compiled ahead of time into a shared library.

Build (``build``, at `orus warm-cache` time; needs numba, llvmlite and a C
compiler):

 1. a ``@cfunc`` entry point, generated from orus/jit/abi.py, takes one
    pointer to an int64 descriptor block (address and shape of every array),
    views the arrays with ``numba.carray`` and calls the njit ``run`` from
    orus/jit/vm.py -- the loop's source exists once;
 2. the cfunc's fully linked LLVM module (``library._final_module``, a private
    Numba API: see NUMBA_TESTED) is compiled to position-independent object
    code for the host CPU with llvmlite (opt=3);
 3. ``cc -shared`` links it with orus/jit/native_stubs.c, which defines the
    few Numba-runtime / CPython symbols the module mentions on its
    exception paths (they are unreachable: the entry point catches every
    exception and returns status -1) and the artifact's identity string;
 4. the library (named by its own hash) and then a manifest (its size and
    sha256, the exported symbol, the fingerprint and ABI it was built for)
    are written atomically into the fingerprinted cache folder.

    (5. the loader: orus/jit/native_ext.c, a tiny CPython extension built
    against this interpreter's headers, which opens the library and calls
    its entry point; optional -- without it ctypes does that, which costs
    `orus run` 2-5 ms of importing ctypes.)

Load (``load``, at `orus run` time; imports neither numba nor, with the
loader, ctypes): the manifest must name this fingerprint and ABI, the file
must have the recorded size and sha256 (checked *before* dlopen, so a corrupt
file is never mapped), and its embedded identity string (fingerprint + ABI)
must be in it; after dlopen, the exported identity must match again.  The
loader is checked the same way (size, sha256, and the interpreter it was
built for).  Anything else raises ArtifactError and the caller falls back to
the njit loop.
"""

from __future__ import annotations

import os
import sys
import time

from orus.jit import abi
from orus.bytecode import buffers
from orus.bytecode.atomicio import write_atomic
from orus.bytecode.digest import sha256

MANIFEST = "native.manifest"
FORMAT = "orus-native-1"
ID_SYMBOL = "orus_vm_identity"
STUBS_C = os.path.join(os.path.dirname(os.path.abspath(__file__)), "native_stubs.c")
LOADER_C = os.path.join(os.path.dirname(os.path.abspath(__file__)), "native_ext.c")
LOADER_MODULE = "_orus_native"          # its PyInit_ name

# Numba versions for which the builder may use the private `_final_module`
# (tested with 0.68.1).  Outside the range warm-cache records the native VM as
# unavailable and runs use the njit cache; inside it, a build that fails is
# recorded the same way, and tests/test_cold_start.py compares the artifact
# with the njit loop.
NUMBA_TESTED = ((0, 60), (0, 70))     # [low, high)

# Symbol prefixes that the stubs file defines (everything else must come from libc/libm).
_STUB_PREFIXES = ("Py", "_Py", "NRT_", "numba_", "_numba")
_DEFINED_IN_STUBS_C = ("NRT_Allocate", "NRT_Free")


class ArtifactError(Exception):
    """The native artifact is missing, corrupt, truncated or foreign."""


class Unavailable(ArtifactError):
    """warm-cache recorded that no native artifact can be built here."""


# ====================================================================== load
def read_manifest(path: str, fmt: str = FORMAT) -> dict:
    """The key=value lines of a manifest of format `fmt` (this module's, or
    tier 2's: orus/tier2/store.py); raises ArtifactError."""
    try:
        with open(path, "rb") as fh:
            raw = fh.read(1 << 16)
    except FileNotFoundError:
        raise ArtifactError("not built") from None
    except OSError as exc:
        raise ArtifactError("manifest unreadable: %s" % exc) from None
    info = {}
    try:
        for line in raw.decode("utf-8").splitlines():
            if line:
                key, _, value = line.partition("=")
                info[key] = value
    except UnicodeDecodeError:
        raise ArtifactError("manifest corrupt") from None
    if info.get("format") != fmt or info.get("end") != "ok":
        raise ArtifactError("manifest corrupt or from another version")
    return info


def _identity(fingerprint: str) -> str:
    return "%s|%s|%s" % (FORMAT, fingerprint, abi.signature())


def validate(folder: str, fingerprint: str) -> dict:
    """Check the artifact in `folder` without loading it; returns its manifest.
    Raises ArtifactError (Unavailable when warm-cache recorded why none exists)."""
    info = read_manifest(os.path.join(folder, MANIFEST))
    if info.get("unavailable"):
        raise Unavailable(info["unavailable"])
    if info.get("fingerprint") != fingerprint:
        raise ArtifactError("built for another fingerprint")
    if info.get("abi") != abi.signature():
        raise ArtifactError("built for another VM argument list")
    name = info.get("library", "")
    if not name or os.sep in name or name.startswith("."):
        raise ArtifactError("manifest corrupt")
    path = os.path.join(folder, name)
    try:
        size = os.stat(path).st_size
    except OSError:
        raise ArtifactError("library missing") from None
    if str(size) != info.get("size"):
        raise ArtifactError("library truncated or replaced (size %d, expected %s)" % (size, info.get("size")))
    data = _checked_file(path, info.get("size"), info.get("sha256"), "library")
    if data.find(_identity(fingerprint).encode() + b"\0") < 0:
        raise ArtifactError("library is foreign (built for another fingerprint or VM)")
    info["path"] = path
    loader = info.get("loader", "")
    if loader and os.sep not in loader and not loader.startswith(".") \
            and info.get("loader_for") == _interpreter():
        try:
            lpath = os.path.join(folder, loader)
            _checked_file(lpath, info.get("loader_size"), info.get("loader_sha256"), "loader")
            info["loader_path"] = lpath
        except ArtifactError:
            pass                            # the ctypes path still works
    return info


def _checked_file(path: str, size, digest, what: str) -> bytes:
    """The bytes of `path` if it has the recorded size and sha256."""
    try:
        if str(os.stat(path).st_size) != size:
            raise ArtifactError("%s truncated or replaced" % what)
        with open(path, "rb") as fh:        # small (~200 KB): hashing it costs ~0.2 ms
            data = fh.read()
    except OSError:
        raise ArtifactError("%s missing" % what) from None
    if sha256(data).hexdigest() != digest:
        raise ArtifactError("%s corrupt (sha256 mismatch)" % what)
    return data


def _interpreter() -> str:
    """What a CPython extension is built for."""
    return "%s-%s" % (sys.implementation.cache_tag, sys.platform)


# (numpy dtype kind, itemsize) of each argument: cheap to compare (dtype.name is not).
_KIND_SIZE = tuple(({"int": "i", "uint": "u", "float": "f"}[d.rstrip("0123456789")],
                    abi.ITEMSIZE[d]) for d in abi.DTYPES)


_FORMAT = tuple(buffers.FORMAT[d] for d in abi.DTYPES)


def _fits(i: int, a) -> bool:
    """Is `a` (a numpy array or an orus.bytecode.buffers array) right for argument i?"""
    if getattr(a, "ndim", None) != abi.NDIMS[i]:
        return False
    if hasattr(a, "dtype"):
        dt = a.dtype
        return (dt.kind, dt.itemsize) == _KIND_SIZE[i] and dt.isnative and a.flags.c_contiguous
    return getattr(a, "format", None) == _FORMAT[i] and getattr(a, "c_contiguous", True)


class NativeVM:
    """Callable like ``orus.jit.vm.run`` (the same positional arrays, in
    abi.ARGS order); returns the status.  Each array's dtype, dimensions and
    contiguity are checked when a new array object comes in (the Machine
    replaces an array to grow it, never resizes one in place); a row that is
    a view of an earlier row (fregs of regs) is described from that row.
    The described arrays are kept referenced, so their memory stays valid."""

    native = True

    def __init__(self, call, path: str, loader=None, entry=None):
        """`call(entry, arg)` calls the entry point; `loader`: the extension
        module (orus/jit/native_ext.c) -- then `arg` is the descriptor block
        itself, else a ctypes pointer to it."""
        self._call = call
        self._entry = entry
        self.path = path
        self._seen = [None] * abi.NARGS       # keeps described arrays alive
        self._positions = range(abi.NARGS)
        if loader is not None:
            self._desc = memoryview(bytearray(8 * abi.NARGS * abi.DESC_COLS)).cast("q")
            self._arg = self._desc
            self._address = loader.address
            self._empty = bytearray(16)       # the address of every empty array
        else:
            import ctypes
            self._desc = (ctypes.c_int64 * (abi.NARGS * abi.DESC_COLS))()
            self._arg = ctypes.c_void_p(ctypes.addressof(self._desc))
            self._address = buffers.address
            self._empty = None

    def _describe(self, i: int, a, arrays) -> None:
        k = i * abi.DESC_COLS
        desc = self._desc
        src = abi.VIEW_OF[i]
        if src >= 0 and hasattr(a, "dtype") and _fits(i, a):
            # A view of an earlier row's array (fregs = regs.view(float64)): when it
            # covers all of that array's memory, it has that array's address.
            s = arrays[src]
            if a.base is s and s.base is None and a.shape == s.shape:
                j = src * abi.DESC_COLS
                desc[k], desc[k + 1], desc[k + 2] = desc[j], desc[j + 1], desc[j + 2]
                self._seen[i] = a
                return
        if not _fits(i, a):
            raise TypeError("native VM: argument %s must be a C-contiguous %s array with %d "
                            "dimension(s), got %s %r" % (abi.NAMES[i], abi.DTYPES[i], abi.NDIMS[i],
                                                         getattr(a, "dtype", type(a).__name__),
                                                         getattr(a, "shape", None)))
        if self._empty is not None and isinstance(a, buffers.Empty):
            desc[k] = self._address(self._empty)
        else:
            desc[k] = self._address(a)
        desc[k + 1] = a.shape[0]
        desc[k + 2] = a.shape[1] if a.ndim == 2 else 1
        self._seen[i] = a

    def __call__(self, *arrays) -> int:
        if len(arrays) != abi.NARGS:
            raise TypeError("native VM takes %d arrays, got %d" % (abi.NARGS, len(arrays)))
        for i, a, old in zip(self._positions, arrays, self._seen):
            if a is not old:
                self._describe(i, a, arrays)
        status = self._call(self._entry, self._arg)
        if status < 0:
            raise RuntimeError("native VM stopped on an internal exception (status %d)" % status)
        return status

    def __repr__(self):
        return "NativeVM(%r)" % self.path


def load(folder: str, fingerprint: str) -> NativeVM:
    """The validated native VM of `folder`; raises ArtifactError."""
    info = validate(folder, fingerprint)
    global _LOADER
    if "loader_path" in info and _LOADER is None:
        try:
            _LOADER = _load_extension(info["loader_path"])
        except (ImportError, OSError):
            pass                            # ctypes does the job
    return open_library(info["path"], info["symbol"], ID_SYMBOL, _identity(fingerprint))


_LOADER = None        # the loader extension, once a valid one was imported


def open_library(path: str, symbol: str, id_symbol: str, identity: str) -> NativeVM:
    """A NativeVM calling `symbol` of the library at `path` (checked by the
    caller), whose string `id_symbol` must be `identity`; through the loader
    extension when one is loaded, else ctypes.  Raises ArtifactError."""
    if _LOADER is not None:
        try:
            ident, entry = _LOADER.open(path, symbol, id_symbol)
        except OSError as exc:
            raise ArtifactError("library does not load: %s" % exc) from None
        if ident.decode("utf-8", "replace") != identity:
            raise ArtifactError("library is foreign (identity %r)" % ident)
        return NativeVM(_LOADER.call, path, _LOADER, entry)
    import ctypes
    try:
        lib = ctypes.CDLL(path)
        ident = ctypes.c_char_p.in_dll(lib, id_symbol).value
        fn = getattr(lib, symbol)
    except (OSError, AttributeError, ValueError) as exc:
        raise ArtifactError("library does not load: %s" % exc) from None
    if ident is None or ident.decode("utf-8", "replace") != identity:
        raise ArtifactError("library is foreign (identity %r)" % ident)
    fn.argtypes = (ctypes.c_void_p,)
    fn.restype = ctypes.c_int64
    return NativeVM(lambda entry, arg: fn(arg), path)


class _Spec:
    """What _imp.create_dynamic reads of a module spec."""

    def __init__(self, name: str, origin: str):
        self.name = name
        self.origin = origin


def _load_extension(path: str):
    """Import the loader extension at `path` (importlib's own way of loading an
    extension module, without importing importlib.util)."""
    import _imp
    return _imp.create_dynamic(_Spec(LOADER_MODULE, path))


# ====================================================================== build
def _write_atomic(path: str, data: bytes) -> None:
    write_atomic(path, data, fsync=True)


def write_manifest(folder: str, fields: dict) -> None:
    text = "format=%s\n" % FORMAT + "".join("%s=%s\n" % kv for kv in fields.items()) + "end=ok\n"
    _write_atomic(os.path.join(folder, MANIFEST), text.encode("utf-8"))


def find_compiler() -> str | None:
    import shutil
    for name in (os.environ.get("CC"), "cc", "gcc", "clang"):
        if name and shutil.which(name):
            return shutil.which(name)
    return None


def _numba_supported() -> str | None:
    import numba
    try:
        version = tuple(int(x) for x in numba.__version__.split(".")[:2])
    except ValueError:
        return "unrecognised numba version %s" % numba.__version__
    if not (NUMBA_TESTED[0] <= version < NUMBA_TESTED[1]):
        return "numba %s is outside the tested range %s-%s" % (numba.__version__, NUMBA_TESTED[0], NUMBA_TESTED[1])
    return None


def _pointer_casts():
    """One njit intrinsic per element type: int64 address -> typed pointer."""
    from numba.core import types
    from numba.extending import intrinsic

    def make(nbtype):
        ptrty = types.CPointer(nbtype)

        @intrinsic
        def cast(typingctx, addr):
            if not isinstance(addr, types.Integer):
                return None

            def codegen(context, builder, signature, args):
                return builder.inttoptr(args[0], context.get_value_type(ptrty))
            return ptrty(addr), codegen
        return cast

    return {"_ptr_" + name: make(getattr(types, name)) for name in sorted(set(abi.DTYPES))}


def compile_entry():
    """The cfunc entry point over the descriptor block (compiles `run` too,
    or loads it from the njit cache)."""
    import numba
    from numba.core import types
    from orus.jit import vm
    namespace = {"carray": numba.carray, "run": vm.run}
    namespace.update(_pointer_casts())
    exec(compile(abi.run_source_text("orus_vm_entry"), "<orus.jit.abi entry>", "exec"), namespace)
    return numba.cfunc(types.int64(types.CPointer(types.int64)), nopython=True)(
        namespace["orus_vm_entry"])


def _object_code(cf) -> tuple[bytes, list[str], list[str]]:
    """PIC object code of the cfunc's linked module, and the external
    functions and variables it declares that the stubs must provide."""
    import llvmlite.binding as llvm
    module = cf._library._final_module
    target = llvm.Target.from_triple(module.triple or llvm.get_process_triple())
    tm = target.create_target_machine(cpu=llvm.get_host_cpu_name(),
                                      features=llvm.get_host_cpu_features().flatten(),
                                      opt=3, reloc="pic", codemodel="default")
    stubs = sorted(f.name for f in module.functions
                   if f.is_declaration and f.name.startswith(_STUB_PREFIXES)
                   and f.name not in _DEFINED_IN_STUBS_C)
    stub_vars = sorted(g.name for g in module.global_variables
                       if g.is_declaration and g.name.startswith(_STUB_PREFIXES))
    return tm.emit_object(module), stubs, stub_vars


def _stub_header(fingerprint: str, funcs: list[str], variables: list[str]) -> str:
    lines = ["/* generated by orus.jit.aot: identity and stubs of this build */",
             'const char *%s = "%s";' % (ID_SYMBOL, _identity(fingerprint).replace('"', "'"))]
    for name in funcs:
        lines.append("ORUS_STUB(%s)" % name)
    for name in variables:
        lines.append("char %s[64];" % name)
    return "\n".join(lines) + "\n"


def _compile_and_link(fingerprint: str, cc: str, say) -> tuple[bytes, str]:
    say("compiling the native entry point")
    cf = compile_entry()
    say("generating machine code for this CPU")
    obj, stubs, stub_vars = _object_code(cf)
    symbol = cf.native_name
    say("linking with %s" % os.path.basename(cc))
    data = link_shared(cc, obj, {"orus_build.h": _stub_header(fingerprint, stubs, stub_vars)},
                       [STUBS_C])
    return data, symbol


def link_shared(cc: str, obj: bytes, generated: dict, sources=()) -> bytes:
    """A shared library of object code `obj`, the generated files
    (name -> text; the .c ones are compiled, the others can be #included)
    and the C files `sources`; raises RuntimeError.  (orus/tier2/build.py
    links its libraries here too.)"""
    import subprocess
    import tempfile
    with tempfile.TemporaryDirectory(prefix="orus-link-") as tmp:
        obj_path = os.path.join(tmp, "code.o")
        with open(obj_path, "wb") as fh:
            fh.write(obj)
        compiled = []
        for name, text in generated.items():
            with open(os.path.join(tmp, name), "w") as fh:
                fh.write(text)
            if name.endswith(".c"):
                compiled.append(os.path.join(tmp, name))
        out = os.path.join(tmp, "lib.so")
        cmd = [cc, "-shared", "-fPIC", "-O1", "-Wl,-Bsymbolic", "-o", out,
               "-I", tmp, obj_path, *compiled, *sources, "-lm"]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            raise RuntimeError("linking failed: %s\n%s" % (" ".join(cmd), proc.stderr[-2000:]))
        with open(out, "rb") as fh:
            return fh.read()


def _build_loader(folder: str, cc: str, say) -> dict:
    """Compile orus/jit/native_ext.c for this interpreter into `folder`; the
    manifest fields that name it (or say why there is none)."""
    import subprocess
    import sysconfig
    import tempfile
    include = sysconfig.get_config_var("INCLUDEPY") or sysconfig.get_paths().get("include")
    if not include or not os.path.exists(os.path.join(include, "Python.h")):
        return {"loader_unavailable": "no Python.h (install the Python headers)"}
    say("compiling the loader")
    with tempfile.TemporaryDirectory(prefix="orus-aot-") as tmp:
        out = os.path.join(tmp, "loader.so")
        cmd = [cc, "-shared", "-fPIC", "-O2", "-I", include, "-o", out, LOADER_C, "-ldl"]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            return {"loader_unavailable": "compiling it failed: %s"
                    % " ".join(proc.stderr.split())[-300:]}
        with open(out, "rb") as fh:
            data = fh.read()
    digest = sha256(data).hexdigest()
    name = "vm-loader-%s.so" % digest[:16]
    _write_atomic(os.path.join(folder, name), data)
    return {"loader": name, "loader_size": str(len(data)), "loader_sha256": digest,
            "loader_for": _interpreter()}


def build(folder: str, fingerprint: str, progress=None) -> dict:
    """Build the native artifact into `folder` (the caller holds the cache lock).
    Returns the manifest fields; raises Unavailable if it cannot be built
    here (and records why in the manifest, so runs do not retry)."""
    say = progress or (lambda msg: None)

    reason = _numba_supported()
    cc = find_compiler()
    if reason is None and cc is None:
        reason = "no C compiler found (set CC); runs use the njit cache instead"
    if reason is not None:
        write_manifest(folder, {"unavailable": reason, "fingerprint": fingerprint})
        raise Unavailable(reason)

    t0 = time.perf_counter()
    try:
        data, symbol = _compile_and_link(fingerprint, cc, say)
    except Exception as exc:       # a private Numba API that moved, a broken compiler...
        reason = "build failed: %s: %s" % (type(exc).__name__, str(exc).strip().splitlines()[0][:300]
                                           if str(exc).strip() else "")
        write_manifest(folder, {"unavailable": reason, "fingerprint": fingerprint})
        raise Unavailable(reason) from exc
    digest = sha256(data).hexdigest()
    name = "vm-native-%s.so" % digest[:16]
    _write_atomic(os.path.join(folder, name), data)
    fields = {
        "fingerprint": fingerprint,
        "abi": abi.signature(),
        "library": name,
        "size": str(len(data)),
        "sha256": digest,
        "symbol": symbol,
        "built": time.strftime("%Y-%m-%d %H:%M:%S"),
        "seconds": "%.1f" % (time.perf_counter() - t0),
    }
    fields.update(_build_loader(folder, cc, say))
    write_manifest(folder, fields)
    # Older libraries of this folder are no longer named by the manifest.
    keep = (name, fields.get("loader"))
    for other in os.listdir(folder):
        if other.startswith(("vm-native-", "vm-loader-")) and other not in keep:
            try:
                os.unlink(os.path.join(folder, other))
            except OSError:
                pass
    return fields
