// client.js - drives the npm package omron-fins (an independent FINS client) against
// responder.py: one session of reads, writes, controller data, status, clock, STOP
// and RUN.  Usage: node client.js PORT udp|tcp
"use strict";
const fins = require("omron-fins");

const port = Number(process.argv[2]);
const protocol = process.argv[3];
const client = fins.FinsClient(port, "127.0.0.1", { protocol, timeout: 3000, SA1: 2, DA1: 1, autoConnect: false });

function call(name, ...args) {
  return new Promise((resolve) => {
    client[name](...args, (err, msg) => {
      if (err) console.error(name, "error:", err.message || err);
      resolve(msg);
    });
  });
}

async function session() {
  const data = await call("cpuUnitDataRead");
  console.log("model:", JSON.stringify(data && (data.response || data).result && (data.response || data).result.CPUUnitModel));
  await call("read", "D100", 10);
  await call("read", "CIO50.0", 4);
  await call("write", "D200", [1, 2, 3]);
  await call("fill", "D300", 0, 5);
  await call("readMultiple", ["D0", "W1"]);
  await call("transfer", "D0", "D500", 4);
  await call("status");
  await call("clockRead");
  await call("clockWrite", { year: 26, month: 12, day: 2, hour: 10, minute: 30, second: 0, day_of_week: 3 });
  await call("read", "D32000", 2); // the responder answers end code 1103
  await call("stop");
  await call("run");
  client.disconnect();
}

client.on("error", (err) => console.error("client error:", err && err.message ? err.message : err));
client.on("open", () => {
  // omron-fins emits "open" just before it marks itself connected
  setTimeout(() => session().then(() => setTimeout(() => process.exit(0), 200)), 100);
});
client.connect();
setTimeout(() => { console.error("timeout"); process.exit(1); }, 20000);
