-- matmul_top: matmul as top-level code over globals (no function, no `local`;
-- a numeric for's control variable is always local in Lua; the input matrices
-- are built by top-level loops instead of make()).  Rows and columns are
-- numbered from 0 in the formulas, stored from 1.
start = os.clock()
n = 120
a = {}
for i = 0, n - 1 do
  row = {}
  for j = 0, n - 1 do
    row[j + 1] = ((i * 7 + j * 3) % 17) / 8.0
  end
  a[i + 1] = row
end
b = {}
for i = 0, n - 1 do
  row = {}
  for j = 0, n - 1 do
    row[j + 1] = ((i * 5 + j * 11) % 17) / 8.0
  end
  b[i + 1] = row
end
c = {}
for i = 1, n do
  row = {}
  for j = 1, n do
    s = 0.0
    for k = 1, n do
      s = s + a[i][k] * b[k][j]
    end
    row[j] = s
  end
  c[i] = row
end
total = 0.0
weighted = 0.0
for i = 0, n - 1 do
  for j = 0, n - 1 do
    total = total + c[i + 1][j + 1]
    weighted = weighted + c[i + 1][j + 1] * ((i + 2 * j) % 13 + 1)
  end
end
print(string.format("%d %d", total * 64.0, weighted * 64.0))
print("work_seconds=" .. (os.clock() - start))
