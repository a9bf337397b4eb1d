"""fib: naive recursive Fibonacci, fib(30) (1.6 million calls)."""
import time


def fib(n):
    if n < 2:
        return n
    return fib(n - 1) + fib(n - 2)


def main():
    print(fib(30))


start = time.perf_counter()
main()
print("work_seconds=%r" % (time.perf_counter() - start))
