"""strings: builds one string from 100,000 pieces by repeated appending."""
import time


def main():
    s = ""
    for i in range(100000):
        s += str(i) + ","
    n = len(s)
    nines = 0
    for k in range(0, n, 97):
        if s[k] == "9":
            nines += 1
    print(n, nines, s[n - 12:])


start = time.perf_counter()
main()
print("work_seconds=%r" % (time.perf_counter() - start))
