-- fib: naive recursive Fibonacci, fib(30) (1.6 million calls).
local function fib(n)
  if n < 2 then
    return n
  end
  return fib(n - 1) + fib(n - 2)
end

local function main()
  print(fib(30))
end

local start = os.clock()
main()
print("work_seconds=" .. (os.clock() - start))
