"""Runtime error codes raised by the VM, with their messages and kinds.

The VM stops with (code, detail) and the host turns it into an
OrusRuntimeError; the texts are the reference's wording (DATA.md §7 kinds).
A message may contain {detail}: the detail string of the error (a name).
"""

# code: (kind, message)
ERRORS = {}


def _err(code, kind, message):
    ERRORS[code] = (kind, message)
    return code


DIV_ZERO = _err(0, "runtime error", "Division by zero")
OVERFLOW = _err(1, "value error", "Integer overflow")
STACK_OVERFLOW = _err(2, "runtime error", "stack overflow")
UNINIT_GLOBAL = _err(3, "runtime error", "variable '{detail}' used before it is initialized")
STEP_ZERO = _err(4, "value error", "Range step cannot be zero")
BAD_VALUE = _err(5, "runtime error", "internal error: invalid value handle (please report this bug)")
OUT_OF_MEMORY = _err(6, "runtime error", "out of memory")
NOT_A_FUNCTION = _err(7, "type error", "value is not a function")


def message(code, detail=""):
    kind, text = ERRORS.get(code, ("runtime error", "unknown runtime error %d" % code))
    return kind, text.replace("{detail}", detail)
