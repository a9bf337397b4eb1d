// matmul_top: matmul as top-level script code (no function; the input
// matrices are built by top-level loops instead of make()): 120x120 float
// matrix multiply (naive i, j, k loops), exact checksums.
// (Node runs a .js file as a CommonJS module, wrapped in a function: these
// top-level `let`s are that wrapper's variables, as in any Node script.)
const start = performance.now();
const n = 120;
const a = [];
for (let i = 0; i < n; i++) {
  const row = [];
  for (let j = 0; j < n; j++) {
    row.push(((i * 7 + j * 3) % 17) / 8.0);
  }
  a.push(row);
}
const b = [];
for (let i = 0; i < n; i++) {
  const row = [];
  for (let j = 0; j < n; j++) {
    row.push(((i * 5 + j * 11) % 17) / 8.0);
  }
  b.push(row);
}
const c = [];
for (let i = 0; i < n; i++) {
  const row = [];
  for (let j = 0; j < n; j++) {
    let s = 0.0;
    for (let k = 0; k < n; k++) {
      s += a[i][k] * b[k][j];
    }
    row.push(s);
  }
  c.push(row);
}
let total = 0.0;
let weighted = 0.0;
for (let i = 0; i < n; i++) {
  for (let j = 0; j < n; j++) {
    total += c[i][j];
    weighted += c[i][j] * ((i + 2 * j) % 13 + 1);
  }
}
console.log(Math.trunc(total * 64.0), Math.trunc(weighted * 64.0));
console.log("work_seconds=" + (performance.now() - start) / 1000);
