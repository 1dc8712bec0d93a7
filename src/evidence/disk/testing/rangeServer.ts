import * as http from "http";
import type { AddressInfo } from "net";

/**
 * What the server does with one request, taken in order from the test's plan; when the plan is
 * empty it answers normally. `cut` sends the headers of the full range and closes after n body
 * bytes; `partial` answers a legal shorter 206; `delay` waits before answering.
 */
export type Behaviour =
  | { kind: "ok" }
  | { kind: "status"; status: number }
  | { kind: "cut"; after: number }
  | { kind: "partial"; bytes: number }
  | { kind: "delay"; ms: number }
  | { kind: "reset" }
  | { kind: "whole" }
  | { kind: "shifted" };

export interface SeenRequest {
  url: string;
  range: string;
}

export interface RangeServer {
  url: string;
  plan: Behaviour[];
  seen: SeenRequest[];
  close(): Promise<void>;
}

/** A small HTTP server on 127.0.0.1 serving `data` with single `Range: bytes=a-b` requests. */
export async function startRangeServer(data: Buffer, pathAndQuery: string): Promise<RangeServer> {
  const plan: Behaviour[] = [];
  const seen: SeenRequest[] = [];
  const server = http.createServer((req, res) => {
    const range = String(req.headers.range ?? "");
    seen.push({ url: req.url ?? "", range });
    const behaviour = plan.shift() ?? { kind: "ok" };
    const m = /^bytes=(\d+)-(\d+)$/.exec(range);
    if (behaviour.kind === "reset") {
      req.socket.destroy();
      return;
    }
    if (behaviour.kind === "status") {
      res.writeHead(behaviour.status, { "content-length": "0" });
      res.end();
      return;
    }
    if (behaviour.kind === "whole" || !m) {
      res.writeHead(200, { "content-length": `${data.length}` });
      res.end(data);
      return;
    }
    const start = +m[1];
    let end = Math.min(+m[2], data.length - 1);
    if (start >= data.length) {
      res.writeHead(416, { "content-range": `bytes */${data.length}` });
      res.end();
      return;
    }
    if (behaviour.kind === "partial") end = Math.min(end, start + behaviour.bytes - 1);
    const shift = behaviour.kind === "shifted" ? 1 : 0;
    const headers = {
      "content-range": `bytes ${start + shift}-${end}/${data.length}`,
      "content-length": `${end - start + 1 - shift}`,
    };
    const body = data.subarray(start + shift, end + 1);
    const send = () => {
      res.writeHead(206, headers);
      if (behaviour.kind === "cut") {
        res.write(body.subarray(0, behaviour.after), () => res.socket?.destroy());
        return;
      }
      res.end(body);
    };
    if (behaviour.kind === "delay") setTimeout(send, behaviour.ms);
    else send();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${pathAndQuery}`,
    plan,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
