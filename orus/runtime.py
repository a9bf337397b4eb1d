"""The host side of the VM: memory set-up, the resume loop, host calls.

``Machine`` owns every array the VM touches.  ``run`` calls the compiled loop
until it reports DONE or ERROR; every other status is a request the host
serves before resuming (see orus/protocol.py).
"""

from __future__ import annotations

import time

import numpy as np

from . import fmt, gc, hostcalls
from . import opcodes as op
from . import protocol as P
from . import runtime_errors as E
from .bytecode import FN_NREGS, Program
from .errors import OrusRuntimeError
from .jit.abi import vm_args

OUT_RECORDS = 1 << 14
OUT_BLOB = 1 << 18
HEAP_OBJS = 1 << 12
HEAP_BYTES = 1 << 16
HEAP_SLOTS = 1 << 12
FLUSH_BYTES = 1 << 16         # pending text written to the stream in chunks this big


_ERROR_TABLE = []


def _error_message_table():
    """(bytes, offsets) of every runtime error message, built once per process."""
    if not _ERROR_TABLE:
        texts = [E.message(code, "?")[1].encode() for code in range(E.NUM_ERRORS)]
        offs = np.zeros(len(texts) + 1, dtype=np.int64)
        np.cumsum([len(t) for t in texts], out=offs[1:])
        _ERROR_TABLE.append((np.frombuffer(b"".join(texts), dtype=np.uint8), offs))
    return _ERROR_TABLE[0]


def _resized(arr: np.ndarray, rows: int) -> np.ndarray:
    new = np.zeros((rows,) + arr.shape[1:], dtype=arr.dtype)
    new[:arr.shape[0]] = arr
    return new


def _grow(arr: np.ndarray, need: int) -> np.ndarray:
    """A copy of arr with at least `need` rows (doubling), zero-filled."""
    size = max(arr.shape[0], 16)
    while size < need:
        size *= 2
    new = np.zeros((size,) + arr.shape[1:], dtype=arr.dtype)
    new[:arr.shape[0]] = arr
    return new


class Machine:
    def __init__(self, program: Program, vm, write, stdin=None):
        """`vm` is the compiled loop (orus.jit.get_vm()); `write(bytes)` takes
        output; `stdin` is a binary stream for input() (default: sys.stdin)."""
        self.program = program
        self.vm = vm
        self.write = write
        self._stdin = stdin
        nstr = program.num_strings
        nfun = len(program.funcs)
        main_regs = int(program.funcs[0, FN_NREGS])

        self.regs = np.zeros(max(256, main_regs * 2), dtype=np.int64)
        # Frames and try handlers start small and grow on GROW_STACK up to
        # MAX_DEPTH / MAX_HANDLERS (beyond: "stack overflow").
        self.frames = np.zeros((256, P.F_COLS), dtype=np.int64)
        self.handlers = np.zeros((16, P.T_COLS), dtype=np.int64)
        self.state = np.zeros(P.S_SIZE, dtype=np.int64)
        self.ginit = np.zeros(main_regs, dtype=np.uint8)
        self.out_rec = np.zeros((OUT_RECORDS, P.REC_COLS), dtype=np.int64)
        self.out_blob = np.zeros(OUT_BLOB, dtype=np.uint8)

        # The heap starts with permanent objects: the string constants (handle =
        # string index), one function value per function (handle = nstr + index)
        # and the 256 one-byte strings that indexing a string returns.
        blob = program.str_blob
        nperm = nstr + nfun + 256
        self.hobj = np.zeros((max(HEAP_OBJS, 2 * nperm), P.H_COLS), dtype=np.int64)
        self.hbytes = np.zeros(max(HEAP_BYTES, 2 * (len(blob) + 256)), dtype=np.uint8)
        self.hslots = np.zeros(max(HEAP_SLOTS, 2 * nfun), dtype=np.int64)
        self.gcstack = np.zeros(self.hobj.shape[0], dtype=np.int64)
        self.hbytes[:len(blob)] = blob
        self.hbytes[len(blob):len(blob) + 256] = np.arange(256, dtype=np.uint8)
        offs = program.str_offs
        self.hobj[:nstr, P.H_KIND] = P.HK_STR
        self.hobj[:nstr, P.H_OFF] = offs[:-1]
        self.hobj[:nstr, P.H_LEN] = np.diff(offs)
        fn_rows = slice(nstr, nstr + nfun)
        self.hobj[fn_rows, P.H_KIND] = P.HK_FN
        self.hobj[fn_rows, P.H_OFF] = np.arange(nfun)
        self.hobj[fn_rows, P.H_LEN] = 1
        self.hslots[:nfun] = np.arange(nfun)
        byte_rows = slice(nstr + nfun, nperm)
        self.hobj[byte_rows, P.H_KIND] = P.HK_STR
        self.hobj[byte_rows, P.H_OFF] = len(blob) + np.arange(256)
        self.hobj[byte_rows, P.H_LEN] = 1
        self.hobj[:nperm, P.H_AUX] = self.hobj[:nperm, P.H_LEN]
        self.hobj[:nstr, P.H_AUX] = -1              # strings: no growable region
        self.hobj[byte_rows, P.H_AUX] = -1

        st = self.state
        st[P.S_PC] = program.funcs[0, 0]
        st[P.S_NOBJ] = nperm
        st[P.S_NBYTES] = len(blob) + 256
        st[P.S_NSLOTS] = nfun
        st[P.S_NSTR] = nstr
        st[P.S_BYTE0] = nstr + nfun
        st[P.S_NPERM] = nperm
        st[P.S_FREE] = -1
        st[P.S_GC_LIMIT] = P.GC_MIN_LIMIT
        st[P.S_BUDGET] = P.YIELD_EVERY
        # The message of every VM error code, for error objects made by `catch`.
        self._add_error_messages()
        self._strings = {}
        self._pending = []
        self._pending_size = 0

    def _add_error_messages(self) -> None:
        """The message of every VM error code as a permanent string, for the
        error objects `catch` makes (handle S_ERRMSG0 + code)."""
        st = self.state
        blob, offs = _error_message_table()
        n, nb = len(offs) - 1, len(blob)
        self._room(nb, 0)
        if st[P.S_NOBJ] + n > self.hobj.shape[0]:
            self._grow_heap(n, 0, 0)
        h0, b0 = int(st[P.S_NOBJ]), int(st[P.S_NBYTES])
        self.hbytes[b0:b0 + nb] = blob
        rows = self.hobj[h0:h0 + n]
        rows[:, P.H_KIND] = P.HK_STR
        rows[:, P.H_OFF] = b0 + offs[:-1]
        rows[:, P.H_LEN] = np.diff(offs)
        rows[:, P.H_AUX] = -1
        st[P.S_ERRMSG0] = h0
        st[P.S_NOBJ] = st[P.S_NPERM] = h0 + n
        st[P.S_NBYTES] = b0 + nb

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
            if status == P.FLUSH:
                self._flush_records()
            elif status == P.GROW_REGS:
                self.regs = _grow(self.regs, int(self.state[P.S_NEED]) + 64)
            elif status == P.GROW_HEAP:
                self._grow_heap(*(int(x) for x in self.state[P.S_NEED:P.S_NEED3 + 1]))
            elif status == P.HOST:
                self._host_call()
            elif status == P.GROW_STACK:
                self._grow_stack()
            elif status == P.GC:
                gc.sweep_and_compact(self)
            elif status == P.YIELD:
                pass                 # lets Python run signal handlers (Ctrl-C)
            elif status == P.ERROR:
                raise self._runtime_error()
            else:
                raise RuntimeError("VM returned unknown status %d" % status)

    # ------------------------------------------------------------------ output
    def _string_const(self, sid: int) -> bytes:
        s = self._strings.get(sid)
        if s is None:
            s = self._strings[sid] = self.program.string(sid)
        return s

    def _flush_records(self) -> None:
        """Turn the complete print statements in the buffer into text; keep a
        partial statement (its records and blob bytes) at the front."""
        st = self.state
        n = int(st[P.S_NOUT])
        rec = self.out_rec
        ends = np.nonzero(rec[:n, 0] == P.OUTEND_REC)[0]
        if len(ends) == 0:
            # One statement larger than the buffer: make room for it.
            self.out_rec = _grow(rec, 2 * rec.shape[0])
            self.out_blob = _grow(self.out_blob, 2 * self.out_blob.shape[0] + int(st[P.S_NEED]))
            return
        done = int(ends[-1]) + 1
        text = fmt.decode(rec, done, self.out_blob, self._string_const)
        self._emit(text)
        tail = rec[done:n].copy()
        is_bytes = (tail[:, 0] == op.OUT_STR) | (tail[:, 0] == op.OUT_FN)
        nblob = 0
        if np.any(is_bytes):
            start = int(tail[is_bytes, 1].min())
            end = int(st[P.S_NBLOB])
            self.out_blob[:end - start] = self.out_blob[start:end].copy()
            tail[is_bytes, 1] -= start
            nblob = end - start
        rec[:len(tail)] = tail
        st[P.S_NOUT] = len(tail)
        st[P.S_NBLOB] = nblob
        need = int(st[P.S_NEED])
        if nblob + need > self.out_blob.shape[0]:
            self.out_blob = _grow(self.out_blob, nblob + need)

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
            ends = np.nonzero(self.out_rec[:n, 0] == P.OUTEND_REC)[0]
            if len(ends):
                done = int(ends[-1]) + 1
                self._emit(fmt.decode(self.out_rec, done, self.out_blob, self._string_const))
            st[P.S_NOUT] = 0
            st[P.S_NBLOB] = 0
        self._write_pending()

    def _out_text(self, text: bytes) -> None:
        """Append a finished piece of print text as an OUT_STR record."""
        st = self.state
        while (st[P.S_NOUT] >= self.out_rec.shape[0]
               or st[P.S_NBLOB] + len(text) > self.out_blob.shape[0]):
            st[P.S_NEED] = len(text)
            self._flush_records()
        n, b = int(st[P.S_NOUT]), int(st[P.S_NBLOB])
        self.out_blob[b:b + len(text)] = np.frombuffer(text, dtype=np.uint8)
        self.out_rec[n] = (op.OUT_STR, b, len(text))
        st[P.S_NOUT] = n + 1
        st[P.S_NBLOB] = b + len(text)

    # ------------------------------------------------------------------ memory
    def _grow_stack(self) -> None:
        st = self.state
        # Exact sizes: the VM reports overflow when an array is full at its limit.
        if st[P.S_DEPTH] >= self.frames.shape[0]:
            self.frames = _resized(self.frames, min(P.MAX_DEPTH, 4 * self.frames.shape[0]))
        if st[P.S_NHANDLERS] >= self.handlers.shape[0]:
            self.handlers = _resized(self.handlers, min(P.MAX_HANDLERS, 4 * self.handlers.shape[0]))

    def _grow_heap(self, nobj: int, nbytes: int, nslots: int) -> None:
        """Enlarge whichever heap array is short (doubling, so growth is amortised)."""
        st = self.state
        if st[P.S_NOBJ] + nobj > self.hobj.shape[0]:
            self.hobj = _grow(self.hobj, 2 * self.hobj.shape[0])
            self.gcstack = np.zeros(self.hobj.shape[0], dtype=np.int64)
        if st[P.S_NBYTES] + nbytes > self.hbytes.shape[0]:
            self.hbytes = _grow(self.hbytes, max(2 * self.hbytes.shape[0], int(st[P.S_NBYTES]) + nbytes))
        if st[P.S_NSLOTS] + nslots > self.hslots.shape[0]:
            self.hslots = _grow(self.hslots, max(2 * self.hslots.shape[0], int(st[P.S_NSLOTS]) + nslots))

    def _new_row(self, kind: int, off: int, length: int, aux: int) -> int:
        """An object row from the free list or the end of the table (room checked)."""
        st = self.state
        h = int(st[P.S_FREE])
        if h >= 0:
            st[P.S_FREE] = self.hobj[h, P.H_OFF]
        else:
            h = int(st[P.S_NOBJ])
            st[P.S_NOBJ] = h + 1
        self.hobj[h] = (kind, off, length, aux, 0)
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
        self.hbytes[off:off + len(data)] = np.frombuffer(data, dtype=np.uint8)
        st[P.S_NBYTES] = off + len(data)
        st[P.S_ALLOC] += len(data) + P.OBJ_COST
        return self._new_row(P.HK_STR, off, len(data), -1)

    def new_array(self, values: np.ndarray, kind: int) -> int:
        """Allocate an array of object kind `kind` (HK_ARR, HK_ARR_H or
        HK_ARR_B) whose elements are the int64 `values`."""
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

    def string_bytes(self, h: int) -> bytes:
        self.check_handle(h, (P.HK_STR,))
        off, n = int(self.hobj[h, P.H_OFF]), int(self.hobj[h, P.H_LEN])
        return self.hbytes[off:off + n].tobytes()

    def array_slots(self, h: int) -> np.ndarray:
        """The elements of array h as int64 (a view for slot arrays: copy it
        before the heap can change; a fresh array for byte arrays)."""
        self.check_handle(h, (P.HK_ARR, P.HK_ARR_H, P.HK_ARR_B))
        off, n = int(self.hobj[h, P.H_OFF]), int(self.hobj[h, P.H_LEN])
        if self.hobj[h, P.H_KIND] == P.HK_ARR_B:
            return self.hbytes[off:off + n].astype(np.int64)
        return self.hslots[off:off + n]

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
        try:
            self._host_call_inner()
        except hostcalls.HostError as exc:
            if self.state[P.S_NHANDLERS] == 0:
                raise self._located(exc.message, exc.kind) from None
            self._raise_in_vm(exc)

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
        filename, line, col, _ = self.program.location(pc)
        return OrusRuntimeError(message, filename, line, col, kind=kind)

    def _host_call_inner(self) -> None:
        st = self.state
        pc = int(st[P.S_PC])
        o, a, b, c = (int(x) for x in self.program.code[pc])
        base = int(st[P.S_BASE])
        if o == op.TOSTR:
            bits = int(self.regs[base + b])
            if c == op.OUT_FN:
                name = self.program.function_name(self.function_of(bits))
                text = ("<fn %s>" % name).encode()
            else:
                text = fmt.format_scalar(c, bits)
            self.regs[base + a] = self.new_string(text)
        elif o == op.TIMESTAMP:
            self.regs.view(np.float64)[base + a] = time.monotonic()
        elif o == op.HOSTCALL:
            result = hostcalls.call(self, c, base + b)
            if result is not None:
                self.regs[base + a] = result
        elif o == op.OUTV:
            text = hostcalls.print_text(self, int(self.regs[base + a]), b)
            self._out_text(text)
        else:
            raise RuntimeError("host call for unexpected opcode %s" % op.NAMES[o])
        st[P.S_PC] = pc + 1

    # ------------------------------------------------------------------ errors
    def _runtime_error(self) -> OrusRuntimeError:
        st = self.state
        code, arg = int(st[P.S_ERR]), int(st[P.S_ERRARG])
        if code >= E.HOST_ERROR:        # a host error re-raised by the VM: message is a handle
            kind, _ = E.message(code)
            message = self.string_bytes(arg).decode("utf-8", "replace")
        else:
            detail = (self._string_const(arg).decode("utf-8", "replace")
                      if 0 <= arg < self.program.num_strings else "")
            kind, message = E.message(code, detail)
        return self._located(message, kind)
