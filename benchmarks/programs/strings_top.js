// strings_top: strings as top-level script code (no function): builds one
// string from 100,000 pieces by repeated appending.
// (Node runs a .js file as a CommonJS module, wrapped in a function: these
// top-level `let`s are that wrapper's variables, as in any Node script.)
const start = performance.now();
let s = "";
for (let i = 0; i < 100000; i++) {
  s += i + ",";
}
const n = s.length;
let nines = 0;
for (let k = 0; k < n; k += 97) {
  if (s[k] === "9") {
    nines += 1;
  }
}
console.log(n, nines, s.slice(n - 12));
console.log("work_seconds=" + (performance.now() - start) / 1000);
