"""sha256 and blake2b without loading OpenSSL.

`import hashlib` loads the `_hashlib` OpenSSL binding, a few milliseconds of
every `orus run` (the start-up budget is tens of milliseconds).  CPython's
own implementations are small extension modules that give the same digests;
hashlib is the fallback where they are missing.
"""

try:                                    # CPython 3.12+
    from _sha2 import sha256            # noqa: F401
except ImportError:
    try:                                # CPython 3.11
        from _sha256 import sha256      # noqa: F401
    except ImportError:                 # pragma: no cover - other builds
        from hashlib import sha256      # noqa: F401

try:
    from _blake2 import blake2b         # noqa: F401
except ImportError:                     # pragma: no cover
    from hashlib import blake2b         # noqa: F401
