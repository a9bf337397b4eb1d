// sieve_top: sieve as top-level script code (no function): sieve of
// Eratosthenes up to 2,000,000; prints the number of primes.
// (Node runs a .js file as a CommonJS module, wrapped in a function: these
// top-level `let`s are that wrapper's variables, as in any Node script.)
const start = performance.now();
const n = 2000000;
const flags = new Array(n + 1).fill(true);
flags[0] = false;
flags[1] = false;
let i = 2;
while (i * i <= n) {
  if (flags[i]) {
    for (let j = i * i; j <= n; j += i) {
      flags[j] = false;
    }
  }
  i += 1;
}
let count = 0;
for (let k = 0; k <= n; k++) {
  if (flags[k]) {
    count += 1;
  }
}
console.log(count);
console.log("work_seconds=" + (performance.now() - start) / 1000);
