// arith_loop: one million iterations of mixed integer arithmetic
// (all values stay below 2^53, so doubles are exact).
function main() {
  let a = 1, c = 0, b = 1;
  for (let i = 0; i < 1000000; i++) {
    a = (a * 17 + i) % 65521;
    c = (c + Math.floor(a / 97) + 100003 - i % 89) % 100003;
    b = (b * 31 + a * c) % 1000000007;
  }
  console.log(a, c, b);
}

const start = performance.now();
main();
console.log("work_seconds=" + (performance.now() - start) / 1000);
