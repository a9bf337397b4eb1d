"""The interactive prompt (orus/repl.py), driven through a pseudo-terminal
as a person would type."""

import fcntl
import os
import pty
import select
import signal
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _controlling_terminal():
    """In the child: a new session whose controlling terminal is the pty (so
    that Ctrl-C sends SIGINT, as in a real terminal)."""
    os.setsid()
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


class Terminal:
    def __init__(self, tmp_path, args=("repl",)):
        master, slave = pty.openpty()
        env = dict(os.environ, PYTHONPATH=str(ROOT), HOME=str(tmp_path), TERM="dumb",
                   NO_COLOR="1")
        self.proc = subprocess.Popen([sys.executable, "-m", "orus", *args], stdin=slave,
                                     stdout=slave, stderr=slave, env=env, close_fds=True,
                                     preexec_fn=_controlling_terminal)
        os.close(slave)
        self.fd = master
        self.text = ""

    def expect(self, needle: str, timeout: float = 60.0) -> str:
        """Read until `needle` appears after what earlier calls consumed."""
        deadline = time.monotonic() + timeout
        while needle not in self.text:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("timed out waiting for %r; screen:\n%s" % (needle, self.text))
            ready, _, _ = select.select([self.fd], [], [], left)
            if ready:
                try:
                    data = os.read(self.fd, 4096)
                except OSError:
                    data = b""
                if not data:
                    raise AssertionError("terminal closed waiting for %r:\n%s" % (needle, self.text))
                self.text += data.decode("utf-8", "replace").replace("\r\n", "\n")
        seen, _, self.text = self.text.partition(needle)
        return seen

    def interrupt(self) -> str:
        """Ctrl-C, until the prompt comes back.  A second one is sent if the
        first came too early: one that arrives while the REPL is between
        printing the prompt and waiting for a key is seen only at the next
        key (Python's readline), which no person typing would hit."""
        for attempt in range(6):
            time.sleep(0.3)
            self.send("\x03")
            try:
                return self.expect(">>> ", timeout=10)
            except AssertionError:
                continue
        raise AssertionError("Ctrl-C did not bring the prompt back:\n" + self.text)

    def send(self, text: str) -> None:
        os.write(self.fd, text.encode("utf-8"))

    def line(self, text: str) -> None:
        self.send(text + "\r")

    def close(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        os.close(self.fd)


@pytest.fixture
def term(tmp_path):
    t = Terminal(tmp_path)
    yield t
    t.close()


def test_a_session_at_the_prompt(term, tmp_path):
    assert "Orus" in term.expect(">>> ")
    term.line("fn sq(x: i32) -> i32:")
    term.expect("... ")
    term.line("    y = x * x")
    term.expect("... ")
    term.line("    return y")
    term.expect("... ")
    term.line("")
    term.expect(">>> ")
    term.line("sq(7) + 1")
    assert "50\n" in term.expect(">>> ")
    term.line("print(nope)")
    seen = term.expect(">>> ")
    assert "undefined variable 'nope'" in seen and "^" in seen
    term.line("mut n: i64 = 0")
    term.expect(">>> ")
    term.line("while true:")
    term.expect("... ")
    term.line("    n += 1")
    term.expect("... ")
    term.line("")
    time.sleep(1.0)
    assert "KeyboardInterrupt" in term.interrupt()     # Ctrl-C stops the endless loop
    term.line("n")                            # the interrupted input changed nothing
    assert "0\n" in term.expect(">>> ")
    term.line(":type sq(2) > 3")
    assert "bool" in term.expect(">>> ")
    term.line(":dis sq")
    assert "fn sq" in term.expect(">>> ")
    term.send("1 +")
    assert "KeyboardInterrupt" in term.interrupt()     # Ctrl-C at the prompt cancels the line
    term.send("\x04")                         # Ctrl-D leaves
    assert term.proc.wait(timeout=30) == 0
    assert "sq(7) + 1" in (tmp_path / ".orus_history").read_text()


def test_no_arguments_and_no_terminal_prints_usage():
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, "-m", "orus"], stdin=subprocess.DEVNULL,
                          capture_output=True, env=env, timeout=60)
    assert proc.returncode == 2 and b"usage" in proc.stderr


def test_no_arguments_on_a_terminal_starts_the_prompt(tmp_path):
    t = Terminal(tmp_path, args=())
    try:
        t.expect(">>> ")
        t.line("1 + 2")
        assert "3\n" in t.expect(">>> ")
        t.line(":quit")
        assert t.proc.wait(timeout=30) == 0
    finally:
        t.close()


def test_read_input_continues_blocks_and_open_brackets():
    from orus.repl import read_input

    def typed(*lines):
        it = iter(lines)
        return read_input(lambda prompt: next(it))
    assert typed("x = 1") == "x = 1"
    assert typed("xs = [1,", "  2]") == "xs = [1,\n  2]"
    assert typed('print("(")') == 'print("(")'
    assert typed("if x > 0:  // positive", "    print(x)", "") == "if x > 0:  // positive\n    print(x)\n"
    assert typed("fn f(a,", "     b):", "    return a", "") == "fn f(a,\n     b):\n    return a\n"
