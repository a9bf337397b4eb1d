// control_flow_top: control_flow as top-level script code (no function): one
// million iterations of nested if/else if/else branches.
// (Node runs a .js file as a CommonJS module, wrapped in a function: these
// top-level `let`s are that wrapper's variables, as in any Node script.)
const start = performance.now();
let low = 0, evenLow = 0, mid = 0, high = 0, other = 0;
for (let i = 0; i < 1000000; i++) {
  const r = i % 100;
  if (r < 10) {
    low += 1;
    if (i % 2 === 0) {
      evenLow += 1;
    }
  } else if (r < 50) {
    if (r % 3 === 0) {
      mid += 2;
    } else if (r % 3 === 1) {
      mid -= 1;
    } else {
      mid += 1;
    }
  } else if (r > 90 && i % 7 === 0) {
    high += 3;
  } else if (r >= 75 || i % 5 === 0) {
    high += 1;
  } else {
    other += 1;
  }
}
console.log(low, evenLow, mid, high, other);
console.log("work_seconds=" + (performance.now() - start) / 1000);
