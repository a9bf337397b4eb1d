-- sieve_top: sieve as top-level code over globals (no function, no `local`; a
-- numeric for's control variable is always local in Lua).  The flags are filled
-- by a loop and indexed by the numbers themselves, as in sieve.lua.
start = os.clock()
n = 2000000
flags = {}
for k = 0, n do
  flags[k] = true
end
flags[0] = false
flags[1] = false
i = 2
while i * i <= n do
  if flags[i] then
    for j = i * i, n, i do
      flags[j] = false
    end
  end
  i = i + 1
end
count = 0
for k = 0, n do
  if flags[k] then
    count = count + 1
  end
end
print(count)
print("work_seconds=" .. (os.clock() - start))
