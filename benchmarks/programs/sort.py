"""sort: 200,000 pseudo-random integers (Lehmer generator) sorted with sorted()."""
import time


def main():
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


start = time.perf_counter()
main()
print("work_seconds=%r" % (time.perf_counter() - start))
