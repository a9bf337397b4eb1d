-- strings_top: strings as top-level code over globals (no function, no `local`;
-- a numeric for's control variable is always local in Lua).  As in
-- strings.lua, the pieces go into a buffer table joined by table.concat
-- (`s = s .. piece` is quadratic in Lua).
start = os.clock()
parts = {}
for i = 0, 99999 do
  parts[#parts + 1] = i .. ","
end
s = table.concat(parts)
n = #s
nines = 0
for k = 0, n - 1, 97 do
  if s:sub(k + 1, k + 1) == "9" then
    nines = nines + 1
  end
end
print(n .. " " .. nines .. " " .. s:sub(n - 11))
print("work_seconds=" .. (os.clock() - start))
