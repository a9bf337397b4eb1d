"""control_flow_top: control_flow as module-level code over globals (no function)."""
import time

start = time.perf_counter()
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
print("work_seconds=%r" % (time.perf_counter() - start))
