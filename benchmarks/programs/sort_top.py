"""sort_top: sort as module-level code over globals (no function)."""
import time

start = time.perf_counter()
xs = []
x = 42
for i in range(200000):
    x = x * 48271 % 2147483647
    xs.append(x)
ys = sorted(xs)
check = 0
for v in ys:
    check = (check * 31 + v) % 1000000007
print(len(ys), ys[0], ys[100000], ys[199999], check)
print("work_seconds=%r" % (time.perf_counter() - start))
