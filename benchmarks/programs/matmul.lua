-- matmul: 120x120 float matrix multiply (naive i, j, k loops), exact checksums.
-- Rows and columns are numbered from 0 in the formulas, stored from 1.
local function make(n, p, q)
  local m = {}
  for i = 0, n - 1 do
    local row = {}
    for j = 0, n - 1 do
      row[j + 1] = ((i * p + j * q) % 17) / 8.0
    end
    m[i + 1] = row
  end
  return m
end

local function main()
  local n = 120
  local a = make(n, 7, 3)
  local b = make(n, 5, 11)
  local c = {}
  for i = 1, n do
    local row = {}
    for j = 1, n do
      local s = 0.0
      for k = 1, n do
        s = s + a[i][k] * b[k][j]
      end
      row[j] = s
    end
    c[i] = row
  end
  local total = 0.0
  local weighted = 0.0
  for i = 0, n - 1 do
    for j = 0, n - 1 do
      total = total + c[i + 1][j + 1]
      weighted = weighted + c[i + 1][j + 1] * ((i + 2 * j) % 13 + 1)
    end
  end
  print(string.format("%d %d", total * 64.0, weighted * 64.0))
end

local start = os.clock()
main()
print("work_seconds=" .. (os.clock() - start))
