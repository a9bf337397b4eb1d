"""control_flow: one million iterations of nested if/elif/else branches."""
import time


def main():
    low = 0
    even_low = 0
    mid = 0
    high = 0
    other = 0
    for i in range(1000000):
        r = i % 100
        if r < 10:
            low += 1
            if i % 2 == 0:
                even_low += 1
        elif r < 50:
            if r % 3 == 0:
                mid += 2
            elif r % 3 == 1:
                mid -= 1
            else:
                mid += 1
        elif r > 90 and i % 7 == 0:
            high += 3
        elif r >= 75 or i % 5 == 0:
            high += 1
        else:
            other += 1
    print(low, even_low, mid, high, other)


start = time.perf_counter()
main()
print("work_seconds=%r" % (time.perf_counter() - start))
