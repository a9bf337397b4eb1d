"""The host side of the VM: memory set-up, the resume loop, host calls.

``Machine`` owns every array the VM touches.  ``run`` calls the compiled loop
until it reports DONE or ERROR; every other status is a request the host
serves before resuming (see orus/bytecode/protocol.py).
"""

from __future__ import annotations

import os
import struct
import time

from orus.bytecode import buffers as B
from orus.host import fmt, output
from orus.bytecode import opcodes as op
from orus.bytecode import protocol as P
from orus.bytecode import runtime_errors as E
from orus.bytecode.program import FN_NREGS, BytecodeError, Program
from orus.errors import OrusRuntimeError
from orus.jit.abi import vm_args
from orus.bytecode.verify import check_host, rejection

OUT_RECORDS = 1 << 14
OUT_BLOB = 1 << 18
HEAP_OBJS = 1 << 12
HEAP_BYTES = 1 << 16
HEAP_SLOTS = 1 << 12
FLUSH_BYTES = 1 << 16         # pending text written to the stream in chunks this big
# Output records decoded one by one (~0.3 us each) before the vectorised
# decoder is used: importing numpy (~65 ms) costs as much as ~200,000 of them,
# so switching at half that keeps either choice's loss small (a program
# printing 300,000 lines: 0.31 s instead of 0.25 s; 3,000 lines: no import).
NUMPY_WORTH = 100_000


# ---- the heap limit ------------------------------------------------------------
# Every array a Machine allocates counts (object table, byte and slot arenas,
# the collector's stack, registers, frames, try handlers, output buffers):
# a request that would take their total past the limit is the runtime error
# "out of memory" (after a last collection, if anything was allocated since
# the previous one).  Default: a quarter of physical memory; ORUS_MAX_HEAP or
# Machine(max_heap=) set it.
MIN_MAX_HEAP = 4 << 20
_UNITS = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}


class HeapLimit(MemoryError):
    """A request for memory that would pass the machine's heap limit."""


def parse_size(text) -> int:
    """Bytes from `512M`, `2G`, `1.5G`, `65536`, `64MiB`, `64mb` (binary units);
    ValueError with a readable message otherwise."""
    raw = str(text).strip()
    t = raw.upper()
    for suffix in ("IB", "B"):
        if t.endswith(suffix) and len(t) > len(suffix) and t[-len(suffix) - 1] in "KMGT":
            t = t[:-len(suffix)]
            break
    unit = t[-1:] if t[-1:] in ("K", "M", "G", "T") else ""
    number = t[:len(t) - len(unit)].strip()
    try:
        value = float(number) if "." in number else int(number)
    except ValueError:
        value = None
    if (value is None or not number or not number.replace(".", "", 1).isdigit()):
        raise ValueError("invalid size %r (expected bytes or a number with K, M, G or T, "
                         "e.g. 512M, 2G)" % raw)
    size = int(value * _UNITS[unit])
    if size < MIN_MAX_HEAP:
        raise ValueError("size %r is too small (the minimum is 4M)" % raw)
    return size


def default_max_heap() -> int:
    """A quarter of physical memory (1 GiB if it cannot be found out)."""
    import os
    try:
        return max(MIN_MAX_HEAP, os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") // 4)
    except (ValueError, OSError, AttributeError):
        return 1 << 30


def resolve_max_heap(value=None) -> int:
    """The heap limit in bytes: `value` (bytes, or a size text), else
    ORUS_MAX_HEAP, else default_max_heap().  ValueError for a malformed one."""
    if value is None:
        import os
        env = os.environ.get("ORUS_MAX_HEAP", "").strip()
        if not env:
            return default_max_heap()
        try:
            return parse_size(env)
        except ValueError as exc:
            raise ValueError("ORUS_MAX_HEAP: %s" % exc) from None
    if isinstance(value, int) and not isinstance(value, bool):
        if value < MIN_MAX_HEAP:
            raise ValueError("max_heap=%d is too small (the minimum is %d bytes)"
                             % (value, MIN_MAX_HEAP))
        return value
    if isinstance(value, str):
        return parse_size(value)
    raise TypeError("max_heap must be a number of bytes or a size text like '512M'")


_ERROR_TEXTS = []


def _error_messages() -> list:
    """The text of every runtime error message, built once per process."""
    if not _ERROR_TEXTS:
        _ERROR_TEXTS.extend(E.message(code, "?")[1].encode() for code in range(E.NUM_ERRORS))
    return _ERROR_TEXTS


def _fresh(arr, rows: int):
    """A zero array of `rows` rows of the same kind (numpy or memoryview),
    dtype and row shape as `arr`; nothing is copied."""
    if B.is_numpy(arr):
        import numpy as np
        return np.zeros((rows,) + tuple(arr.shape[1:]), dtype=arr.dtype)
    return B.zeros((rows,) + tuple(arr.shape[1:]), B.DTYPE[arr.format])


def _doubled(rows: int, need: int) -> int:
    size = max(rows, 16)
    while size < need:
        size *= 2
    return size


def _int64s(values: list) -> memoryview:
    """`values` as a memoryview of int64 (struct, not the array module:
    `import array` pulls in collections, ~3 ms of every start)."""
    return memoryview(struct.pack("=%dq" % len(values), *values)).cast("q")


def _set_rows(table, rows: list) -> None:
    """table[i] = rows[i] for a 2-D int64 memoryview table."""
    flat = _int64s([x for row in rows for x in row])
    table.cast("B").cast("q")[:len(flat)] = flat


def _set_bytes(arena, off: int, data) -> None:
    """arena[off:off + len(data)] = data (bytes-like) for a uint8 array."""
    if B.is_numpy(arena):
        import numpy as np
        arena[off:off + len(data)] = np.frombuffer(data, dtype=np.uint8)
    else:
        arena[off:off + len(data)] = data


class Machine:
    def __init__(self, program: Program, vm, write, stdin=None, max_heap=None, reserve=False):
        """`vm` is the compiled loop (orus.jit.get_vm()); `write(bytes)` takes
        output; `stdin` is a binary stream for input() (default: sys.stdin);
        `max_heap` the heap limit (bytes or a size text like '512M'; default
        ORUS_MAX_HEAP, else a quarter of physical memory: resolve_max_heap).

        The arrays start as memoryviews (orus/bytecode/buffers.py), so a run that needs
        no host function or large output flush never imports numpy;
        ``to_numpy`` switches them (and the program's) to numpy arrays over the
        same memory when something does (and at once for the njit loop).

        `reserve`: room among the permanent objects for the string constants
        and functions of later programs (``extend``: an interactive session)."""
        check_host(program)
        self.max_heap = resolve_max_heap(max_heap)
        self._forced_gc = -1                 # S_COLLECTIONS when a last collection was asked
        self.program = program
        self.vm = vm
        self.write = write
        self._stdin = stdin
        self.numpy = False
        main_regs = int(program.funcs[0, FN_NREGS])
        self.regs = B.zeros(max(256, main_regs * 2), "int64")
        # Frames and try handlers start small and grow on GROW_STACK up to
        # MAX_DEPTH / MAX_HANDLERS (beyond: "stack overflow").
        self.frames = B.zeros((256, P.F_COLS), "int64")
        self.handlers = B.zeros((16, P.T_COLS), "int64")
        self.state = B.zeros(P.S_SIZE, "int64")
        self.ginit = B.zeros(main_regs, "uint8")
        self.out_rec = B.zeros((OUT_RECORDS, P.REC_COLS), "int64")
        self.out_blob = B.zeros(OUT_BLOB, "uint8")

        self._init_heap(program, reserve)
        st = self.state
        st[P.S_PC] = int(program.funcs[0, 0])
        st[P.S_BUDGET] = P.YIELD_EVERY
        # `use random` without random.seed: the VM seeds from these 128 bits
        # on the first draw (orus/jit/rnglib.py, seed_os)
        ent = int.from_bytes(os.urandom(16), "little")
        st[P.S_RNG_ENT0] = (ent & 0xFFFFFFFFFFFFFFFF) - ((ent & (1 << 63)) << 1)
        ent >>= 64
        st[P.S_RNG_ENT1] = ent - ((ent & (1 << 63)) << 1)
        self._strings = {}
        self._pending = []
        self._pending_size = 0
        self._decoder = output.OutputDecoder()
        self._decoded = 0                        # records decoded without numpy so far
        if not getattr(vm, "native", False):
            self.to_numpy()                      # the njit loop takes numpy arrays only

    def _init_heap(self, program, reserve=False) -> None:
        """The heap arrays, holding the permanent objects.  Permanent: the string constants (handle = string index), one function
        value per function (handle = nstr + index), the 256 one-byte strings
        that indexing a string returns, and the message of every VM error
        code (for the error objects `catch` makes).  With `reserve`, the
        string and function rows go on beyond the program's, as empty
        strings and functions never named, for ``extend`` to fill."""
        nstr = program.num_strings
        nfun = len(program.funcs)
        blob = program.str_blob
        if reserve:
            nstr, nfun = 2 * nstr + 256, 2 * nfun + 64
        self.capacity = (nstr, nfun)      # string and function rows
        messages = _error_messages()
        nperm = nstr + nfun + 256 + len(messages) + 1
        nbytes = len(blob) + 256 + sum(map(len, messages))
        self.hobj = B.zeros((max(HEAP_OBJS, 2 * nperm), P.H_COLS), "int64")
        self.hbytes = B.zeros(max(HEAP_BYTES, 2 * nbytes), "uint8")
        self.hslots = B.zeros(max(HEAP_SLOTS, 2 * (nfun + 2)), "int64")
        # the collector's mark stack and scratch (two slots per object row: its
        # sort's buffer, see collector._sort_packed); also the verifier's
        # scratch (one slot per pc)
        self.gcstack = B.zeros(max(2 * self.hobj.shape[0], len(program.code)), "int64")
        nb = len(blob)
        if nb:
            _set_bytes(self.hbytes, 0, blob)
        _set_bytes(self.hbytes, nb, bytes(range(256)))
        offs = program.str_offs.tolist()
        rows = [(P.HK_STR, offs[i], offs[i + 1] - offs[i], -1, 0) for i in range(len(offs) - 1)]
        rows += [(P.HK_STR, 0, 0, -1, 0)] * (nstr - len(rows))
        self._nstrings = len(offs) - 1     # string constants written into the heap
        rows += [(P.HK_FN, f, 1, 1, 0) for f in range(nfun)]
        rows += [(P.HK_STR, nb + v, 1, -1, 0) for v in range(256)]
        at = nb + 256
        for text in messages:
            rows.append((P.HK_STR, at, len(text), -1, 0))
            _set_bytes(self.hbytes, at, text)
            at += len(text)
        # the error object of "out of memory", made now: catching it needs no room
        errmsg0 = nstr + nfun + 256
        rows.append((P.HK_REC, nfun, 2, 2, 0))
        _set_rows(self.hobj, rows)
        self.hslots[:nfun + 2] = _int64s(list(range(nfun))
                                         + [E.OUT_OF_MEMORY, errmsg0 + E.OUT_OF_MEMORY])
        st = self.state
        st[P.S_NOBJ] = st[P.S_NPERM] = nperm
        st[P.S_OOMREC] = nperm - 1
        st[P.S_NBYTES] = at
        st[P.S_NSLOTS] = nfun + 2
        st[P.S_NSTR] = nstr
        st[P.S_BYTE0] = nstr + nfun
        st[P.S_ERRMSG0] = errmsg0
        st[P.S_FREE] = -1
        st[P.S_GC_LIMIT] = P.GC_MIN_LIMIT

    def extend(self, program: Program) -> bool:
        """Run `program` next on this machine, keeping the heap and the
        registers (globals): `program` is an earlier program of this machine
        with functions and constants appended (an interactive session,
        orus/frontend/incremental.py).  False when the reserved permanent rows
        are too few (the session then starts a new machine)."""
        nstr, nfun = self.capacity
        if program.num_strings > nstr or len(program.funcs) > nfun:
            return False
        self.to_numpy()
        program.to_numpy()
        offs, blob = program.str_offs, program.str_blob
        st = self.state
        for i in range(self._nstrings, program.num_strings):
            data = bytes(blob[offs[i]:offs[i + 1]])
            self._grow_heap(0, len(data), 0)
            off = int(st[P.S_NBYTES])
            _set_bytes(self.hbytes, off, data)
            st[P.S_NBYTES] = off + len(data)
            self.hobj[i, P.H_OFF], self.hobj[i, P.H_LEN] = off, len(data)
        self._nstrings = program.num_strings
        self._strings = {}
        main_regs = int(program.funcs[0, FN_NREGS])
        if len(self.regs) < 2 * main_regs:
            self._grow("regs", 4 * main_regs, 2 * main_regs)
        if len(self.ginit) < main_regs:
            self._grow("ginit", 2 * main_regs, main_regs)
        if len(self.gcstack) < len(program.code):       # the verifier's scratch
            self._grow("gcstack", 2 * len(program.code), len(program.code))
        self.program = program
        for slot in (P.S_BASE, P.S_FN, P.S_DEPTH, P.S_NHANDLERS, P.S_ERR, P.S_RAISE,
                     P.S_VERIFIED, P.S_NOUT, P.S_NBLOB):
            st[slot] = 0
        self._pending = []          # output an interrupted program did not write
        self._pending_size = 0
        self._decoded = 0
        st[P.S_ERRARG] = -1
        st[P.S_PC] = int(program.funcs[0, 0])
        return True

    def retype_empty_array(self, reg: int, handles: bool, bools: bool) -> None:
        """Global `reg` holds an empty array made before its element type was
        known (as scalars: ARR_NEW of an unresolved type); give the same
        object (aliases see it) the representation of the type a later
        program fixed.  Empty, it owns no elements: a byte array moves to
        the top of the byte arena with no room, the next push makes some."""
        h = int(self.regs[reg])
        hobj, st = self.hobj, self.state
        if not 0 <= h < int(st[P.S_NOBJ]) or hobj[h, P.H_LEN] != 0:
            return
        kind = int(hobj[h, P.H_KIND])
        want = P.HK_ARR_B if bools else P.HK_ARR_H if handles else P.HK_ARR
        if kind not in (P.HK_ARR, P.HK_ARR_H, P.HK_ARR_B) or kind == want:
            return
        if P.HK_ARR_B in (kind, want):          # another arena
            hobj[h, P.H_OFF] = st[P.S_NBYTES] if bools else st[P.S_NSLOTS]
            hobj[h, P.H_AUX] = 0
        hobj[h, P.H_KIND] = want

    def forget_strings(self, n: int) -> None:
        """String constants from `n` on are to be written again by the next
        ``extend`` (their program was rolled back)."""
        self._nstrings = min(self._nstrings, n)

    ARRAYS = ("regs", "frames", "handlers", "state", "ginit", "out_rec", "out_blob",
              "hobj", "hbytes", "hslots", "gcstack")

    def to_numpy(self) -> None:
        """Switch every array (and the program's) to numpy, sharing memory."""
        if not self.numpy:
            for name in self.ARRAYS:
                setattr(self, name, B.to_numpy(getattr(self, name)))
            self.program.to_numpy()
            self.numpy = True

    def verify_only(self) -> None:
        """Run the verifier kernel on the program, nothing else (BytecodeError)."""
        self.state[P.S_VERIFIED] = P.VERIFY_ONLY
        status = self.vm(*vm_args(self))
        self.state[P.S_VERIFIED] = 0
        if status == P.BADCODE:
            raise self._rejection()
        if status != P.DONE:
            raise RuntimeError("verifier returned status %d" % status)

    def _rejection(self) -> BytecodeError:
        st = self.state
        return rejection(self.program, int(st[P.S_ERR]), int(st[P.S_PC]), int(st[P.S_ERRARG]))

    # ------------------------------------------------------------------ running
    def run(self) -> None:
        """Run to completion; raises OrusRuntimeError after flushing output."""
        try:
            self._loop()
        except MemoryError:
            raise self._located("out of memory", "runtime error") from None
        finally:
            self.flush()

    def _loop(self) -> None:
        """Call the VM and serve its requests until it is done."""
        while True:
            status = self.vm(*vm_args(self))     # the arrays of orus/jit/abi.py
            if status == P.DONE:
                return
            self._serve(status)

    def _serve(self, status: int) -> None:
        """Do what the VM stopped for (orus/bytecode/protocol.py), so it can resume."""
        if status in (P.FLUSH, P.GROW_REGS, P.GROW_HEAP, P.HOST, P.GROW_STACK):
            try:
                self._serve_memory(status)
            except MemoryError:          # past the heap limit (HeapLimit) or the OS said no
                self._out_of_memory(status)
        elif status == P.YIELD:
            pass                     # lets Python run signal handlers (Ctrl-C)
        elif status == P.ERROR:
            raise self._runtime_error()
        elif status == P.BADCODE:
            raise self._rejection()
        else:
            raise RuntimeError("VM returned unknown status %d" % status)

    def _serve_memory(self, status: int) -> None:
        """The requests that may need memory."""
        st = self.state
        if status == P.FLUSH:
            self._flush_records()
        elif status == P.GROW_REGS:
            need = int(st[P.S_NEED]) + 64
            self._grow("regs", _doubled(len(self.regs), need), need)
        elif status == P.GROW_HEAP:
            self._grow_heap(int(st[P.S_NEED]), int(st[P.S_NEED2]), int(st[P.S_NEED3]))
        elif status == P.HOST:
            self._host_call()
        else:
            self._grow_stack()

    def _out_of_memory(self, status: int) -> None:
        """A request the heap limit (or the OS) refuses.  If the VM asked for
        heap and has allocated since its last collection, it collects first
        (the request is retried); otherwise the instruction at S_PC fails with
        "out of memory", an ordinary runtime error: the VM unwinds to the
        innermost try handler (its error object is permanent, so catching
        needs no memory) or stops with ERROR, which the host reports."""
        st = self.state
        collections = int(st[P.S_COLLECTIONS])
        if status == P.GROW_HEAP and st[P.S_ALLOC] > 0 and self._forced_gc != collections:
            self._forced_gc = collections
            st[P.S_GC_LIMIT] = -1            # every allocation site now collects first
            return
        st[P.S_ERR] = E.OUT_OF_MEMORY
        st[P.S_ERRARG] = -1
        st[P.S_RAISE] = 1

    def memory_in_use(self) -> int:
        """Bytes of every array the machine allocated (what the limit counts)."""
        return sum(B.nbytes(getattr(self, name)) for name in self.ARRAYS)

    def _fit(self, names, want: int, need: int, cost) -> int:
        """The largest row count in [need, want] whose `cost(rows)` (the new
        size in bytes of the arrays `names`) keeps the machine's total within
        the heap limit; HeapLimit if not even `need` rows fit."""
        want = max(want, need)
        others = self.memory_in_use() - sum(B.nbytes(getattr(self, n)) for n in names)
        room = self.max_heap - others
        if cost(want) <= room:
            return want
        if cost(need) > room:
            raise HeapLimit()
        lo, hi = need, want                  # cost(lo) fits, cost(hi) does not
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if cost(mid) <= room:
                lo = mid
            else:
                hi = mid
        return lo

    def _grow(self, name: str, want: int, need: int) -> None:
        """Grow array `name` to `want` rows (at least `need`), within the limit."""
        arr = getattr(self, name)
        row = B.row_bytes(arr)
        rows = self._fit((name,), want, need, lambda n: n * row)
        if rows > len(arr):
            setattr(self, name, B.grown(arr, rows))

    # ------------------------------------------------------------------ output
    def _string_const(self, sid: int) -> bytes:
        s = self._strings.get(sid)
        if s is None:
            s = self._strings[sid] = self.program.string(sid)
        return s

    def _records(self, first: int, end: int) -> list:
        """Output records first..end-1 as [kind, x, y] lists."""
        return B.rows(self.out_rec, first, end)

    def _decode(self, done: int) -> bytes:
        """The text of the first `done` records (complete statements): with
        the vectorised decoder for a big buffer once numpy is worth importing
        (the program has printed ~NUMPY_WORTH records), else record by record."""
        if done >= output.SMALL and (self.numpy or self._decoded + done > NUMPY_WORTH):
            self.to_numpy()
            return self._decoder.decode(self.out_rec, done, self.out_blob, self._string_const)
        self._decoded += done
        return self._decoder.decode_records(self._records(0, done), self.out_blob,
                                            self._string_const)

    def _complete(self, n: int) -> int:
        """Number of leading records that form complete print statements."""
        kinds = B.column(self.out_rec, 0, n)
        done = n
        while done and kinds[done - 1] != P.OUTEND_REC:
            done -= 1
        return done

    def _flush_records(self) -> None:
        """Turn the complete print statements in the buffer into text; keep a
        partial statement (its records and blob bytes) at the front."""
        st = self.state
        n = int(st[P.S_NOUT])
        done = self._complete(n)
        if done == 0:
            # One statement larger than the buffer: make room for it.
            self._grow("out_rec", 2 * len(self.out_rec), n + 1)
            need = int(st[P.S_NBLOB]) + int(st[P.S_NEED])
            self._grow("out_blob", 2 * len(self.out_blob) + int(st[P.S_NEED]), need)
            return
        self._emit(self._decode(done))
        tail = self._records(done, n)
        starts = [x for kind, x, _ in tail if kind == op.OUT_STR or kind == op.OUT_FN]
        nblob = 0
        if starts:
            start, end = min(starts), int(st[P.S_NBLOB])
            _set_bytes(self.out_blob, 0, self.out_blob[start:end].tobytes())
            for row in tail:
                if row[0] == op.OUT_STR or row[0] == op.OUT_FN:
                    row[1] -= start
            nblob = end - start
        rec = self.out_rec
        for i, (kind, x, y) in enumerate(tail):
            rec[i, 0], rec[i, 1], rec[i, 2] = kind, x, y
        st[P.S_NOUT] = len(tail)
        st[P.S_NBLOB] = nblob
        need = int(st[P.S_NEED])
        if nblob + need > len(self.out_blob):
            self._grow("out_blob", _doubled(len(self.out_blob), nblob + need), nblob + need)

    def _emit(self, text: bytes) -> None:
        if text:
            self._pending.append(text)
            self._pending_size += len(text)
            if self._pending_size >= FLUSH_BYTES:
                self._write_pending()

    def _write_pending(self) -> None:
        if self._pending:
            self.write(b"".join(self._pending))
            self._pending = []
            self._pending_size = 0

    def flush(self) -> None:
        """Write out everything printed so far (complete statements only)."""
        st = self.state
        n = int(st[P.S_NOUT])
        if n:
            done = self._complete(n)
            if done:
                self._emit(self._decode(done))
            st[P.S_NOUT] = 0
            st[P.S_NBLOB] = 0
        self._write_pending()

    def _out_text(self, text: bytes) -> None:
        """Append a finished piece of print text as an OUT_STR record."""
        st = self.state
        while (st[P.S_NOUT] >= len(self.out_rec)
               or st[P.S_NBLOB] + len(text) > len(self.out_blob)):
            st[P.S_NEED] = len(text)
            self._flush_records()
        n, b = int(st[P.S_NOUT]), int(st[P.S_NBLOB])
        _set_bytes(self.out_blob, b, text)
        rec = self.out_rec
        rec[n, 0], rec[n, 1], rec[n, 2] = op.OUT_STR, b, len(text)
        st[P.S_NOUT] = n + 1
        st[P.S_NBLOB] = b + len(text)

    # ------------------------------------------------------------------ memory
    def _grow_stack(self) -> None:
        st = self.state
        # Exact sizes: the VM reports overflow when an array is full at its limit.
        if st[P.S_DEPTH] >= len(self.frames):
            self._grow("frames", min(P.MAX_DEPTH, 4 * len(self.frames)), len(self.frames) + 1)
        if st[P.S_NHANDLERS] >= len(self.handlers):
            self._grow("handlers", min(P.MAX_HANDLERS, 4 * len(self.handlers)),
                       len(self.handlers) + 1)

    def _grow_heap(self, nobj: int, nbytes: int, nslots: int) -> None:
        """Enlarge whichever heap array is short to twice what is needed
        (twice its size at least): growth is amortised, and a big request
        (a split into a million words, a 10 MB string) leaves as much room
        again instead of a full array that the next small request must copy
        again -- or as far as the heap limit allows (HeapLimit if not even
        the request fits).  New arrays are fresh zero pages (buffers.zeros),
        so only the part copied or used later costs memory."""
        st = self.state
        need = int(st[P.S_NOBJ]) + nobj
        if need > len(self.hobj):
            # the collector's mark stack needs a slot per object row; its
            # sort wants a second one (without it, it sorts in place, more
            # slowly), which gets what the heap limit leaves.  It holds
            # nothing between runs of the VM: it is replaced, not copied.
            stack = len(self.gcstack)
            rows = self._fit(("hobj", "gcstack"), max(2 * len(self.hobj), 2 * need), need,
                             lambda n: 8 * P.H_COLS * n + 8 * max(n, stack))
            self.hobj = B.grown(self.hobj, rows)
            if 2 * rows > stack:
                n = self._fit(("gcstack",), 2 * rows, max(rows, stack), lambda n: 8 * n)
                if n > stack:
                    self.gcstack = _fresh(self.gcstack, n)
        need = int(st[P.S_NBYTES]) + nbytes
        if need > len(self.hbytes):
            self._grow("hbytes", max(2 * len(self.hbytes), 2 * need), need)
        need = int(st[P.S_NSLOTS]) + nslots
        if need > len(self.hslots):
            self._grow("hslots", max(2 * len(self.hslots), 2 * need), need)

    def _new_row(self, kind: int, off: int, length: int, aux: int) -> int:
        """An object row from the free list or the end of the table (room checked)."""
        st = self.state
        h = int(st[P.S_FREE])
        if h >= 0:
            st[P.S_FREE] = self.hobj[h, P.H_OFF]
        else:
            h = int(st[P.S_NOBJ])
            st[P.S_NOBJ] = h + 1
        hobj = self.hobj
        hobj[h, P.H_KIND], hobj[h, P.H_OFF], hobj[h, P.H_LEN] = kind, off, length
        hobj[h, P.H_AUX], hobj[h, P.H_MARK] = aux, 0
        return h

    def _room(self, nbytes: int, nslots: int) -> None:
        st = self.state
        need_row = 0 if st[P.S_FREE] >= 0 else 1
        self._grow_heap(need_row, nbytes, nslots)

    def new_string(self, data: bytes) -> int:
        """Allocate a string from the host.  Host calls never collect: the
        arguments they read are in registers the next VM collection will see."""
        st = self.state
        self._room(len(data), 0)
        off = int(st[P.S_NBYTES])
        _set_bytes(self.hbytes, off, data)
        st[P.S_NBYTES] = off + len(data)
        st[P.S_ALLOC] += len(data) + P.OBJ_COST
        return self._new_row(P.HK_STR, off, len(data), -1)

    def new_array(self, values, kind: int) -> int:
        """Allocate an array of object kind `kind` (HK_ARR, HK_ARR_H or
        HK_ARR_B) whose elements are the int64 numpy array `values`
        (host calls, notebook inputs)."""
        import numpy as np
        self.to_numpy()
        st = self.state
        n = len(values)
        if kind == P.HK_ARR_B:
            self._room(n, 0)
            off = int(st[P.S_NBYTES])
            self.hbytes[off:off + n] = values.astype(np.uint8)
            st[P.S_NBYTES] = off + n
            st[P.S_ALLOC] += n + P.OBJ_COST
        else:
            self._room(0, n)
            off = int(st[P.S_NSLOTS])
            self.hslots[off:off + n] = values
            st[P.S_NSLOTS] = off + n
            st[P.S_ALLOC] += 8 * n + P.OBJ_COST
        return self._new_row(kind, off, n, n)

    def new_matrix(self, values, kind: int) -> int:
        """Allocate an array of rows (HK_ARR_H) whose rows are arrays of kind
        `kind` (HK_ARR or HK_ARR_B) holding the rows of the 2-D numpy array
        `values` (int64 bit patterns, or uint8 for HK_ARR_B): one block of
        the arena for all rows and one vectorised write of their object rows,
        so a 1000 x 1000 input costs about a copy of its data."""
        import numpy as np
        self.to_numpy()
        st = self.state
        rows, cols = values.shape
        flat = np.ascontiguousarray(values).reshape(-1)
        if kind == P.HK_ARR_B:
            self._grow_heap(rows + 1, rows * cols, rows)
            off = int(st[P.S_NBYTES])
            self.hbytes[off:off + flat.size] = flat
            st[P.S_NBYTES] = off + flat.size
            st[P.S_ALLOC] += flat.size + rows * P.OBJ_COST
        else:
            self._grow_heap(rows + 1, 0, rows * cols + rows)
            off = int(st[P.S_NSLOTS])
            self.hslots[off:off + flat.size] = flat
            st[P.S_NSLOTS] = off + flat.size
            st[P.S_ALLOC] += 8 * flat.size + rows * P.OBJ_COST
        # The rows take fresh object rows at the end of the table (not the
        # free list), so their handles are consecutive.
        first = int(st[P.S_NOBJ])
        block = self.hobj[first:first + rows]
        block[:, P.H_KIND] = kind
        block[:, P.H_OFF] = off + cols * np.arange(rows, dtype=np.int64)
        block[:, P.H_LEN] = cols
        block[:, P.H_AUX] = cols
        block[:, P.H_MARK] = 0
        st[P.S_NOBJ] = first + rows
        return self.new_array(np.arange(first, first + rows, dtype=np.int64), P.HK_ARR_H)

    def string_bytes(self, h: int) -> bytes:
        self.check_handle(h, (P.HK_STR,))
        off, n = int(self.hobj[h, P.H_OFF]), int(self.hobj[h, P.H_LEN])
        return self.hbytes[off:off + n].tobytes()

    def array_slots(self, h: int) -> list:
        """The elements of array h as a list of int64 values (a copy)."""
        self.check_handle(h, (P.HK_ARR, P.HK_ARR_H, P.HK_ARR_B))
        off, n = int(self.hobj[h, P.H_OFF]), int(self.hobj[h, P.H_LEN])
        arena = self.hbytes if self.hobj[h, P.H_KIND] == P.HK_ARR_B else self.hslots
        return arena[off:off + n].tolist()

    def check_handle(self, h: int, kinds) -> None:
        if not (0 <= h < self.state[P.S_NOBJ]) or int(self.hobj[h, P.H_KIND]) not in kinds:
            raise RuntimeError("invalid heap handle %d" % h)

    def function_of(self, handle: int) -> int:
        return int(self.hslots[self.hobj[handle, P.H_OFF]])

    # ------------------------------------------------------------------ host calls
    @property
    def stdin(self):
        if self._stdin is None:
            import sys
            self._stdin = getattr(sys.stdin, "buffer", sys.stdin)
        return self._stdin

    def write_now(self, text: bytes) -> None:
        """Write `text` after everything printed so far, and flush (prompts)."""
        self.flush()
        self.write(text)
        flush = getattr(self.write, "__self__", None)
        if flush is not None and hasattr(flush, "flush"):
            flush.flush()

    def _host_call(self) -> None:
        """The instruction at S_PC asked for the host: format a value, read
        the clock, or run a host function (orus/host/hostcalls.py)."""
        st = self.state
        pc = int(st[P.S_PC])
        code = self.program.code
        o, a, b, c = int(code[pc, 0]), int(code[pc, 1]), int(code[pc, 2]), int(code[pc, 3])
        base = int(st[P.S_BASE])
        if o == op.TIMESTAMP:
            B.reinterpret(self.regs, "float64")[base + a] = time.monotonic()
        elif o == op.TOSTR:
            bits = int(self.regs[base + b])
            if c == op.OUT_FN:
                name = self.program.function_name(self.function_of(bits))
                text = ("<fn %s>" % name).encode()
            else:
                text = fmt.format_scalar(c, bits)
            self.regs[base + a] = self.new_string(text)
        else:
            from orus.host import hostcalls
            try:
                self._host_function(o, a, b, c, base)
            except hostcalls.HostError as exc:
                if st[P.S_NHANDLERS] == 0:
                    raise self._located(exc.message, exc.kind) from None
                self._raise_in_vm(exc)
                return
        st[P.S_PC] = pc + 1

    def _raise_in_vm(self, exc) -> None:
        """Hand a host function's error to the VM, which unwinds to the
        innermost try handler (the heap has room for the error object)."""
        st = self.state
        st[P.S_ERRARG] = self.new_string(exc.message.encode())
        st[P.S_ERR] = E.HOST_CODE_OF_KIND.get(exc.kind, E.HOST_ERROR)
        self._room(0, 2)
        st[P.S_RAISE] = 1

    def _located(self, message: str, kind: str) -> OrusRuntimeError:
        pc = int(self.state[P.S_PC])
        filename, line, col, index = self.program.location(pc)
        err = OrusRuntimeError(message, filename, line, col, kind=kind)
        err.source = self.program.source_of(index)
        return err

    def _host_function(self, o: int, a: int, b: int, c: int, base: int) -> None:
        from orus.host import hostcalls
        if o == op.HOSTCALL:
            result = hostcalls.call(self, c, base + b)
            if result is not None:
                self.regs[base + a] = result
        elif o == op.OUTV:
            text = hostcalls.print_text(self, int(self.regs[base + a]), b)
            self._out_text(text)
        else:
            raise RuntimeError("host call for unexpected opcode %s" % op.NAMES[o])

    # ------------------------------------------------------------------ errors
    def _runtime_error(self) -> OrusRuntimeError:
        st = self.state
        code, arg = int(st[P.S_ERR]), int(st[P.S_ERRARG])
        if E.is_host(code):             # a host error re-raised by the VM: message is a handle
            kind, _ = E.message(code)
            message = self.string_bytes(arg).decode("utf-8", "replace")
        else:
            detail = (self._string_const(arg).decode("utf-8", "replace")
                      if 0 <= arg < self.program.num_strings else "")
            kind, message = E.message(code, detail)
        return self._located(message, kind)
