"""The host side of the VM: memory set-up, the resume loop, host calls.

``Machine`` owns every array the VM touches.  ``run`` calls the compiled loop
until it reports DONE or ERROR; every other status is a request the host
serves before resuming (see orus/protocol.py).
"""

from __future__ import annotations

import time

import numpy as np

from . import fmt
from . import opcodes as op
from . import protocol as P
from . import runtime_errors as E
from .bytecode import FN_NAME, FN_NREGS, Program
from .errors import OrusRuntimeError
from .jit.abi import vm_args

OUT_RECORDS = 1 << 14
OUT_BLOB = 1 << 18
HEAP_OBJS = 1 << 12
HEAP_BYTES = 1 << 16
HEAP_SLOTS = 1 << 12
FLUSH_BYTES = 1 << 16         # pending text written to the stream in chunks this big


def _grow(arr: np.ndarray, need: int) -> np.ndarray:
    """A copy of arr with at least `need` rows (doubling), zero-filled."""
    size = max(arr.shape[0], 16)
    while size < need:
        size *= 2
    new = np.zeros((size,) + arr.shape[1:], dtype=arr.dtype)
    new[:arr.shape[0]] = arr
    return new


class Machine:
    def __init__(self, program: Program, vm, write):
        """`vm` is the compiled loop (orus.jit.get_vm()); `write(bytes)` takes output."""
        self.program = program
        self.vm = vm
        self.write = write
        nstr = program.num_strings
        nfun = len(program.funcs)
        main_regs = int(program.funcs[0, FN_NREGS])

        self.regs = np.zeros(max(256, main_regs * 2), dtype=np.int64)
        self.frames = np.zeros((P.MAX_DEPTH, P.F_COLS), dtype=np.int64)
        self.state = np.zeros(P.S_SIZE, dtype=np.int64)
        self.ginit = np.zeros(main_regs, dtype=np.uint8)
        self.out_rec = np.zeros((OUT_RECORDS, P.REC_COLS), dtype=np.int64)
        self.out_blob = np.zeros(OUT_BLOB, dtype=np.uint8)

        # The heap starts with the string constants (handle = string index)
        # followed by one function value per function (handle = nstr + index).
        blob = program.str_blob
        self.hobj = np.zeros((max(HEAP_OBJS, 2 * (nstr + nfun)), P.H_COLS), dtype=np.int64)
        self.hbytes = np.zeros(max(HEAP_BYTES, 2 * len(blob)), dtype=np.uint8)
        self.hslots = np.zeros(max(HEAP_SLOTS, 2 * nfun), dtype=np.int64)
        self.hbytes[:len(blob)] = blob
        offs = program.str_offs
        self.hobj[:nstr, P.H_KIND] = P.HK_STR
        self.hobj[:nstr, P.H_OFF] = offs[:-1]
        self.hobj[:nstr, P.H_LEN] = np.diff(offs)
        self.hobj[nstr:nstr + nfun, P.H_KIND] = P.HK_FN
        self.hobj[nstr:nstr + nfun, P.H_OFF] = np.arange(nfun)
        self.hobj[nstr:nstr + nfun, P.H_LEN] = 1
        self.hslots[:nfun] = np.arange(nfun)

        st = self.state
        st[P.S_PC] = program.funcs[0, 0]
        st[P.S_NOBJ] = nstr + nfun
        st[P.S_NBYTES] = len(blob)
        st[P.S_NSLOTS] = nfun
        st[P.S_NSTR] = nstr
        st[P.S_BUDGET] = P.YIELD_EVERY
        self._strings = {}
        self._pending = []
        self._pending_size = 0

    # ------------------------------------------------------------------ running
    def run(self) -> None:
        """Run to completion; raises OrusRuntimeError after flushing output."""
        try:
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
                elif status == P.YIELD:
                    pass                 # lets Python run signal handlers (Ctrl-C)
                elif status == P.ERROR:
                    raise self._runtime_error()
                else:
                    raise RuntimeError("VM returned unknown status %d" % status)
        finally:
            self.flush()

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

    # ------------------------------------------------------------------ memory
    def _grow_heap(self, nobj: int, nbytes: int, nslots: int) -> None:
        st = self.state
        self.hobj = _grow(self.hobj, int(st[P.S_NOBJ]) + nobj)
        self.hbytes = _grow(self.hbytes, int(st[P.S_NBYTES]) + nbytes)
        self.hslots = _grow(self.hslots, int(st[P.S_NSLOTS]) + nslots)

    def new_string(self, data: bytes) -> int:
        st = self.state
        if st[P.S_NOBJ] + 1 > self.hobj.shape[0] or st[P.S_NBYTES] + len(data) > self.hbytes.shape[0]:
            self._grow_heap(1, len(data), 0)
        off = int(st[P.S_NBYTES])
        self.hbytes[off:off + len(data)] = np.frombuffer(data, dtype=np.uint8)
        st[P.S_NBYTES] = off + len(data)
        h = int(st[P.S_NOBJ])
        self.hobj[h] = (P.HK_STR, off, len(data), 0)
        st[P.S_NOBJ] = h + 1
        return h

    def function_of(self, handle: int) -> int:
        return int(self.hslots[self.hobj[handle, P.H_OFF]])

    # ------------------------------------------------------------------ host calls
    def _host_call(self) -> None:
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
        else:
            raise RuntimeError("host call for unexpected opcode %s" % op.NAMES[o])
        st[P.S_PC] = pc + 1

    # ------------------------------------------------------------------ errors
    def _runtime_error(self) -> OrusRuntimeError:
        st = self.state
        pc = int(st[P.S_PC])
        code, arg = int(st[P.S_ERR]), int(st[P.S_ERRARG])
        detail = self._string_const(arg).decode("utf-8", "replace") if 0 <= arg < self.program.num_strings else ""
        kind, message = E.message(code, detail)
        line, col = (int(x) for x in self.program.lines[pc]) if 0 <= pc < len(self.program.lines) else (0, 0)
        return OrusRuntimeError(message, self.program.filename, line, col, kind=kind)
