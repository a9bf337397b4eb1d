"""arith_loop_top: arith_loop as module-level code over globals (no function)."""
import time

start = time.perf_counter()
a = 1
c = 0
b = 1
for i in range(1000000):
    a = (a * 17 + i) % 65521
    c = (c + a // 97 + 100003 - i % 89) % 100003
    b = (b * 31 + a * c) % 1000000007
print(a, c, b)
print("work_seconds=%r" % (time.perf_counter() - start))
