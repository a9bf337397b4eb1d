-- sort_top: sort as top-level code over globals (no function, no `local`; a
-- numeric for's control variable is always local in Lua): 200,000
-- pseudo-random integers (Lehmer generator) sorted with table.sort in place.
start = os.clock()
xs = {}
x = 42
for i = 1, 200000 do
  x = x * 48271 % 2147483647
  xs[#xs + 1] = x
end
table.sort(xs)
check = 0
for i = 1, #xs do
  check = (check * 31 + xs[i]) % 1000000007
end
print(string.format("%d %d %d %d %d", #xs, xs[1], xs[100001], xs[200000], check))
print("work_seconds=" .. (os.clock() - start))
