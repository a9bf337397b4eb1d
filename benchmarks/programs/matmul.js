// matmul: 120x120 float matrix multiply (naive i, j, k loops), exact checksums.
function make(n, p, q) {
  const m = [];
  for (let i = 0; i < n; i++) {
    const row = [];
    for (let j = 0; j < n; j++) {
      row.push(((i * p + j * q) % 17) / 8.0);
    }
    m.push(row);
  }
  return m;
}

function main() {
  const n = 120;
  const a = make(n, 7, 3);
  const b = make(n, 5, 11);
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
}

const start = performance.now();
main();
console.log("work_seconds=" + (performance.now() - start) / 1000);
