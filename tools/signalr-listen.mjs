// A browser-style listener built on the stock @microsoft/signalr client: connects the way a web
// app does (withUrl("<host>/api", { accessTokenFactory })), prints "connected", then one JSON line
// per server event ({"method", "argument"}), and exits after --count events or --timeout-ms.
//
//   node tools/signalr-listen.mjs --base http://127.0.0.1:7071 --token <access token> [--count 1] [--timeout-ms 30000]
import * as signalR from "@microsoft/signalr";

const args = Object.fromEntries(
  process.argv.slice(2).reduce((pairs, arg, i, all) => (arg.startsWith("--") ? [...pairs, [arg.slice(2), all[i + 1]]] : pairs), []),
);
if (!args.base || !args.token) {
  process.stderr.write("usage: signalr-listen.mjs --base URL --token TOKEN [--count N] [--timeout-ms MS]\n");
  process.exit(2);
}

const count = Number(args.count ?? 1);
const timeout = setTimeout(() => {
  process.stderr.write("timed out\n");
  process.exit(1);
}, Number(args["timeout-ms"] ?? 30000));

const connection = new signalR.HubConnectionBuilder()
  .withUrl(`${args.base.replace(/\/$/, "")}/api`, { accessTokenFactory: () => args.token })
  .configureLogging(args.log === "trace" ? signalR.LogLevel.Trace : signalR.LogLevel.Warning)
  .build();

let seen = 0;
for (const method of ["message", "receipt", "typing", "chat", "messageDeleted", "messageEdited", "reaction", "presence"]) {
  connection.on(method, async (argument) => {
    process.stdout.write(JSON.stringify({ method, argument }) + "\n");
    if (++seen >= count) {
      clearTimeout(timeout);
      await connection.stop();
      process.exit(0);
    }
  });
}

try {
  await connection.start();
  process.stdout.write(`connected ${connection.connectionId ?? ""}\n`);
} catch (err) {
  process.stderr.write(`cannot connect: ${err && err.message ? err.message : err}\n`);
  process.exit(3);
}
