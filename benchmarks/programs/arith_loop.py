"""arith_loop: one million iterations of mixed integer arithmetic."""
import time


def main():
    a = 1
    c = 0
    b = 1
    for i in range(1000000):
        a = (a * 17 + i) % 65521
        c = (c + a // 97 + 100003 - i % 89) % 100003
        b = (b * 31 + a * c) % 1000000007
    print(a, c, b)


start = time.perf_counter()
main()
print("work_seconds=%r" % (time.perf_counter() - start))
