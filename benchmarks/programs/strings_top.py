"""strings_top: strings as module-level code over globals (no function).

At module level `s += piece` is quadratic in CPython (the in-place append that
makes it linear applies only to a function's local variables: 19.5 s here
instead of 0.01 s), so, as in the Lua programs, the pieces go into a list
joined once, the idiomatic Python string builder.
"""
import time

start = time.perf_counter()
parts = []
for i in range(100000):
    parts.append(str(i) + ",")
s = "".join(parts)
n = len(s)
nines = 0
for k in range(0, n, 97):
    if s[k] == "9":
        nines += 1
print(n, nines, s[n - 12:])
print("work_seconds=%r" % (time.perf_counter() - start))
