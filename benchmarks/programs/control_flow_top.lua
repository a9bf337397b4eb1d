-- control_flow_top: control_flow as top-level code over globals (no function,
-- no `local`; a numeric for's control variable is always local in Lua).
start = os.clock()
low, even_low, mid, high, other = 0, 0, 0, 0, 0
for i = 0, 999999 do
  r = i % 100
  if r < 10 then
    low = low + 1
    if i % 2 == 0 then
      even_low = even_low + 1
    end
  elseif r < 50 then
    if r % 3 == 0 then
      mid = mid + 2
    elseif r % 3 == 1 then
      mid = mid - 1
    else
      mid = mid + 1
    end
  elseif r > 90 and i % 7 == 0 then
    high = high + 3
  elseif r >= 75 or i % 5 == 0 then
    high = high + 1
  else
    other = other + 1
  end
end
print(low .. " " .. even_low .. " " .. mid .. " " .. high .. " " .. other)
print("work_seconds=" .. (os.clock() - start))
