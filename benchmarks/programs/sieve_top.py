"""sieve_top: sieve as module-level code over globals (no function)."""
import time

start = time.perf_counter()
n = 2000000
flags = [True] * (n + 1)
flags[0] = False
flags[1] = False
i = 2
while i * i <= n:
    if flags[i]:
        for j in range(i * i, n + 1, i):
            flags[j] = False
    i += 1
count = 0
for k in range(n + 1):
    if flags[k]:
        count += 1
print(count)
print("work_seconds=%r" % (time.perf_counter() - start))
