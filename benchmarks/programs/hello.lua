-- hello: start-up cost; the work is a single print.
local start = os.clock()
print("Hello, world!")
print("work_seconds=" .. (os.clock() - start))
