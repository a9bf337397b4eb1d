"""matmul_top: matmul as module-level code over globals (no function; the input
matrices are built by module-level loops instead of make())."""
import time

start = time.perf_counter()
n = 120
a = []
for i in range(n):
    row = []
    for j in range(n):
        row.append(float((i * 7 + j * 3) % 17) / 8.0)
    a.append(row)
b = []
for i in range(n):
    row = []
    for j in range(n):
        row.append(float((i * 5 + j * 11) % 17) / 8.0)
    b.append(row)
c = []
for i in range(n):
    row = []
    for j in range(n):
        s = 0.0
        for k in range(n):
            s += a[i][k] * b[k][j]
        row.append(s)
    c.append(row)
total = 0.0
weighted = 0.0
for i in range(n):
    for j in range(n):
        total += c[i][j]
        weighted += c[i][j] * float((i + 2 * j) % 13 + 1)
print(int(total * 64.0), int(weighted * 64.0))
print("work_seconds=%r" % (time.perf_counter() - start))
