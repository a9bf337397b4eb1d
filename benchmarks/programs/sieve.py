"""sieve: sieve of Eratosthenes up to 2,000,000; prints the number of primes."""
import time


def main():
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


start = time.perf_counter()
main()
print("work_seconds=%r" % (time.perf_counter() - start))
