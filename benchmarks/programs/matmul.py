"""matmul: 120x120 float matrix multiply (naive i, j, k loops), exact checksums."""
import time


def make(n, p, q):
    m = []
    for i in range(n):
        row = []
        for j in range(n):
            row.append(float((i * p + j * q) % 17) / 8.0)
        m.append(row)
    return m


def main():
    n = 120
    a = make(n, 7, 3)
    b = make(n, 5, 11)
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


start = time.perf_counter()
main()
print("work_seconds=%r" % (time.perf_counter() - start))
