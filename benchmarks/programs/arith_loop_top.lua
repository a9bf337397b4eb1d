-- arith_loop_top: arith_loop as top-level code over globals (no function, no
-- `local`; a numeric for's control variable is always local in Lua).
-- math.floor(x / y) is integer division that runs on Lua 5.4 and LuaJIT alike.
start = os.clock()
a, c, b = 1, 0, 1
for i = 0, 999999 do
  a = (a * 17 + i) % 65521
  c = (c + math.floor(a / 97) + 100003 - i % 89) % 100003
  b = (b * 31 + a * c) % 1000000007
end
print(a .. " " .. c .. " " .. b)
print("work_seconds=" .. (os.clock() - start))
