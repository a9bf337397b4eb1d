import time


def fib(n):
    if n < 2:
        return n
    return fib(n - 1) + fib(n - 2)


start = time.perf_counter()
print(fib(30))
print("work_seconds=%s" % (time.perf_counter() - start))
