// sort_top: sort as top-level script code (no function): 200,000
// pseudo-random integers (Lehmer generator) sorted with Array.prototype.sort
// and a numeric comparator (in place).
// (Node runs a .js file as a CommonJS module, wrapped in a function: these
// top-level `let`s are that wrapper's variables, as in any Node script.)
const start = performance.now();
const xs = [];
let x = 42;
for (let i = 0; i < 200000; i++) {
  x = x * 48271 % 2147483647;
  xs.push(x);
}
xs.sort((p, q) => p - q);
let check = 0;
for (const v of xs) {
  check = (check * 31 + v) % 1000000007;
}
console.log(xs.length, xs[0], xs[100000], xs[199999], check);
console.log("work_seconds=" + (performance.now() - start) / 1000);
