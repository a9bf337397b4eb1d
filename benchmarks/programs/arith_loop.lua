-- arith_loop: one million iterations of mixed integer arithmetic.
-- math.floor(x / y) is integer division that runs on Lua 5.4 and LuaJIT alike.
local floor = math.floor

local function main()
  local a, c, b = 1, 0, 1
  for i = 0, 999999 do
    a = (a * 17 + i) % 65521
    c = (c + floor(a / 97) + 100003 - i % 89) % 100003
    b = (b * 31 + a * c) % 1000000007
  end
  print(a .. " " .. c .. " " .. b)
end

local start = os.clock()
main()
print("work_seconds=" .. (os.clock() - start))
