// hello: start-up cost; the work is a single print.
const start = performance.now();
console.log("Hello, world!");
console.log("work_seconds=" + (performance.now() - start) / 1000);
