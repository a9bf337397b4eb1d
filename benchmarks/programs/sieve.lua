-- sieve: sieve of Eratosthenes up to 2,000,000; prints the number of primes.
-- Lua tables have no repeat operator: the flags are filled by a loop.  The
-- indexes are the numbers themselves, as in the other languages (index 0 lands
-- in the table's hash part, 1..n in its array part).
local function main()
  local n = 2000000
  local flags = {}
  for k = 0, n do
    flags[k] = true
  end
  flags[0] = false
  flags[1] = false
  local i = 2
  while i * i <= n do
    if flags[i] then
      for j = i * i, n, i do
        flags[j] = false
      end
    end
    i = i + 1
  end
  local count = 0
  for k = 0, n do
    if flags[k] then
      count = count + 1
    end
  end
  print(count)
end

local start = os.clock()
main()
print("work_seconds=" .. (os.clock() - start))
