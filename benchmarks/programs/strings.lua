-- strings: builds one string from 100,000 pieces.  Lua strings are immutable
-- and `s = s .. piece` copies the whole string every time (quadratic: several
-- seconds here), so the pieces go into a buffer table joined by table.concat,
-- the idiomatic Lua string builder.
local function main()
  local parts = {}
  for i = 0, 99999 do
    parts[#parts + 1] = i .. ","
  end
  local s = table.concat(parts)
  local n = #s
  local nines = 0
  for k = 0, n - 1, 97 do
    if s:sub(k + 1, k + 1) == "9" then
      nines = nines + 1
    end
  end
  print(n .. " " .. nines .. " " .. s:sub(n - 11))
end

local start = os.clock()
main()
print("work_seconds=" .. (os.clock() - start))
