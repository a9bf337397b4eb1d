// fib: naive recursive Fibonacci, fib(30) (1.6 million calls).
function fib(n) {
  if (n < 2) {
    return n;
  }
  return fib(n - 1) + fib(n - 2);
}

function main() {
  console.log(fib(30));
}

const start = performance.now();
main();
console.log("work_seconds=" + (performance.now() - start) / 1000);
