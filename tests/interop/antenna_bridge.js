// Line-delimited JSON bridge to the real iotex-antenna package, for tests/interop.
// Each request {"op": ..., ...} gets one reply {"ok": value} or {"error": message}.
"use strict";
const lib = process.argv[2] + "/node_modules/iotex-antenna/lib/";
const jwt = require(lib + "jwt/jwt");
const { Account } = require(lib + "account/account");
const wallet = require(lib + "account/wallet");
const readline = require("readline");

const ops = {
  sign: (r) => jwt.sign(r.payload, r.privateKey),
  verify: (r) => jwt.verify(r.token),
  account: (r) => {
    const a = Account.fromPrivateKey(r.privateKey);
    return { address: a.address, publicKey: a.publicKey };
  },
  // Messages go in as hex without 0x, which Account.sign reads as bytes.
  messageSign: async (r) =>
    (await Account.fromPrivateKey(r.privateKey).sign(r.hex)).toString("hex"),
  recover: (r) => new Account().recover(r.hex, Buffer.from(r.signature, "hex"), false),
  // Any other string (one with 0x too) antenna signs and recovers as its UTF-8 bytes.
  textSign: async (r) =>
    (await Account.fromPrivateKey(r.privateKey).sign(r.text)).toString("hex"),
  textRecover: (r) => new Account().recover(r.text, Buffer.from(r.signature, "hex"), false),
  encrypt: (r) => wallet.encrypt(r.privateKey, r.password, r.options || {}),
  decrypt: (r) => wallet.decrypt(r.keystore, r.password),
};

const rl = readline.createInterface({ input: process.stdin });
let queue = Promise.resolve();
rl.on("line", (line) => {
  queue = queue.then(async () => {
    let reply;
    try {
      const request = JSON.parse(line);
      reply = { ok: await ops[request.op](request) };
    } catch (e) {
      reply = { error: String(e && e.message ? e.message : e) };
    }
    process.stdout.write(JSON.stringify(reply) + "\n");
  });
});
