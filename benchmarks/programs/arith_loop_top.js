// arith_loop_top: arith_loop as top-level script code (no function): one
// million iterations of mixed integer arithmetic (all values stay below 2^53,
// so doubles are exact).
// (Node runs a .js file as a CommonJS module, wrapped in a function: these
// top-level `let`s are that wrapper's variables, as in any Node script.)
const start = performance.now();
let a = 1, c = 0, b = 1;
for (let i = 0; i < 1000000; i++) {
  a = (a * 17 + i) % 65521;
  c = (c + Math.floor(a / 97) + 100003 - i % 89) % 100003;
  b = (b * 31 + a * c) % 1000000007;
}
console.log(a, c, b);
console.log("work_seconds=" + (performance.now() - start) / 1000);
