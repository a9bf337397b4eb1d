"""hello: start-up cost; the work is a single print."""
import time

start = time.perf_counter()
print("Hello, world!")
print("work_seconds=%r" % (time.perf_counter() - start))
