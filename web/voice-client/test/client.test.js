// Tests for @voice-broker/client against a fake broker (a real loopback HTTP server) and stubbed fetch/WebRTC.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { inspect } from "node:util";

import {
  VoiceBrokerError,
  brokerOrigin,
  connectRealtime,
  createBrokerClient,
  maskSecret,
  playSample,
  redact,
  startBroker,
  startClient,
} from "../index.js";

const TOKEN = "broker-token-0123456789abcdef0123456789abcdef";
const SESSION = {
  value: "ek_68a1b2c3d4e5f6",
  model: "gpt-realtime",
  base: "https://api.openai.com",
  expires_at: 1_900_000_000,
  configured: { instructions: true, mode: "companion", vad: "server_vad", transcription: null, voice: "marin" },
  calls_url: "https://api.openai.com/v1/realtime/calls",
  ws_url: "wss://api.openai.com/v1/realtime?model=gpt-realtime",
};

async function expectError(promise, code) {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof VoiceBrokerError, `expected VoiceBrokerError, got ${err?.name}: ${err?.message}`);
    assert.equal(err.code, code, err.message);
    return err;
  }
  assert.fail(`expected a ${code} error`);
}

describe("createBrokerClient against a fake broker", () => {
  let server;
  let url;
  const seen = [];
  let nextError = null;

  before(async () => {
    server = http.createServer((req, res) => {
      let body = "";
      req.setEncoding("utf8");
      req.on("data", (d) => (body += d));
      req.on("end", () => {
        seen.push({ method: req.method, url: req.url, headers: req.headers, body });
        if (nextError) {
          const { status, json, text } = nextError;
          nextError = null;
          res.writeHead(status, { "Content-Type": json ? "application/json" : "text/plain" });
          res.end(json ? JSON.stringify(json) : text);
          return;
        }
        if (req.method === "GET" && req.url === "/api/health") {
          res.writeHead(200, { "Content-Type": "application/json" });
          res.end(JSON.stringify({ ok: true, keyed: true, base: "https://api.openai.com", service: "voice-broker" }));
        } else if (req.method === "POST" && req.url === "/api/session") {
          res.writeHead(200, { "Content-Type": "application/json", "Cache-Control": "no-store" });
          res.end(JSON.stringify(SESSION));
        } else if (req.method === "POST" && (req.url === "/api/sample" || req.url === "/api/tts")) {
          res.writeHead(200, { "Content-Type": "audio/mpeg" });
          res.end(Buffer.from([0xff, 0xfb, 0x90, 0x00, 1, 2, 3]));
        } else {
          res.writeHead(404, { "Content-Type": "application/json" });
          res.end(JSON.stringify({ error: "not_found", message: "no such route", hint: "" }));
        }
      });
    });
    await new Promise((r) => server.listen(0, "127.0.0.1", r));
    url = `http://127.0.0.1:${server.address().port}`;
  });

  after(() => new Promise((r) => server.close(r)));

  test("health is a plain GET without the token", async () => {
    const client = createBrokerClient({ url, token: TOKEN });
    const health = await client.health();
    assert.equal(health.ok, true);
    const req = seen.at(-1);
    assert.equal(req.method, "GET");
    assert.equal(req.url, "/api/health");
    assert.equal(req.headers.authorization, undefined);
  });

  test("mint posts JSON with the bearer token and returns the session", async () => {
    const client = createBrokerClient({ url: `${url}/`, token: TOKEN });
    const session = await client.mint({ voice: "cedar", mode: "direct" });
    assert.deepEqual(session, SESSION);
    const req = seen.at(-1);
    assert.equal(req.method, "POST");
    assert.equal(req.url, "/api/session");
    assert.equal(req.headers.authorization, `Bearer ${TOKEN}`);
    assert.equal(req.headers["content-type"], "application/json");
    assert.deepEqual(JSON.parse(req.body), { voice: "cedar", mode: "direct" });
  });

  test("mint sends only the fields given", async () => {
    await createBrokerClient({ url, token: TOKEN }).mint();
    assert.deepEqual(JSON.parse(seen.at(-1).body), {});
    await createBrokerClient({ url, token: TOKEN }).mint({ voice: "marin" });
    assert.deepEqual(JSON.parse(seen.at(-1).body), { voice: "marin" });
  });

  test("after a broker restart (bad_token), the client starts it again once and retries with the new token", async () => {
    nextError = { status: 401, json: { error: "bad_token", message: "wrong token", hint: "fetch it again" } };
    let restarts = 0;
    const restart = async () => {
      restarts += 1;
      return { url, token: `${TOKEN}-new` };
    };
    const session = await createBrokerClient({ url, token: TOKEN, restart }).mint();
    assert.deepEqual(session, SESSION);
    assert.equal(restarts, 1);
    assert.equal(seen.at(-2).headers.authorization, `Bearer ${TOKEN}`);
    assert.equal(seen.at(-1).headers.authorization, `Bearer ${TOKEN}-new`);
  });

  test("a second bad_token after the re-start is reported, not looped on", async () => {
    let restarts = 0;
    const restart = async () => {
      restarts += 1;
      nextError = { status: 401, json: { error: "bad_token", message: "wrong token", hint: "fetch it again" } };
      return { url, token: TOKEN };
    };
    nextError = { status: 401, json: { error: "bad_token", message: "wrong token", hint: "fetch it again" } };
    await expectError(createBrokerClient({ url, token: TOKEN, restart }).mint(), "bad_token");
    assert.equal(restarts, 1);
  });

  test("startClient re-starts through /__start_voice on bad_token", async () => {
    let starts = 0;
    const fetchImpl = async (u, init) => {
      if (u === "/__start_voice") {
        starts += 1;
        return Response.json({ ok: true, url, token: `${TOKEN}-${starts}`, keyed: true, already: starts > 1 });
      }
      return fetch(u, init);
    };
    const { client, started } = await startClient({ fetchImpl });
    assert.equal(started.url, url);
    nextError = { status: 401, json: { error: "bad_token", message: "wrong token", hint: "fetch it again" } };
    await client.mint();
    assert.equal(starts, 2);
    assert.equal(seen.at(-1).headers.authorization, `Bearer ${TOKEN}-2`);
  });

  test("without a token no Authorization header is sent", async () => {
    const client = createBrokerClient({ url });
    assert.equal(client.hasToken, false);
    await client.mint();
    assert.equal(seen.at(-1).headers.authorization, undefined);
  });

  test("the broker's error JSON becomes a VoiceBrokerError with code, message, hint and status", async () => {
    nextError = { status: 403, json: { error: "forbidden_origin", message: "origin http://x is not allowed", hint: "open the dashboard from its dev server" } };
    const err = await expectError(createBrokerClient({ url }).mint(), "forbidden_origin");
    assert.equal(err.status, 403);
    assert.equal(err.message, "origin http://x is not allowed");
    assert.equal(err.hint, "open the dashboard from its dev server");

    nextError = { status: 429, json: { error: "rate_limited", message: "too many mints", hint: "wait a minute" } };
    assert.equal((await expectError(createBrokerClient({ url, token: TOKEN }).mint(), "rate_limited")).status, 429);

    nextError = { status: 502, text: "<html>bad gateway</html>" };
    assert.equal((await expectError(createBrokerClient({ url, token: TOKEN }).mint(), "broker_error")).status, 502);
  });

  test("secrets echoed in an error are redacted", async () => {
    nextError = { status: 500, json: { error: "upstream_error", message: `saw Bearer ${TOKEN} and sk-proj-abc123 and ek_zzz999`, hint: "" } };
    const err = await expectError(createBrokerClient({ url, token: TOKEN }).mint(), "upstream_error");
    assert.ok(!err.message.includes(TOKEN));
    assert.ok(!err.message.includes("sk-proj-abc123"));
    assert.ok(!err.message.includes("ek_zzz999"));
  });

  test("sample and tts return audio blobs", async () => {
    const client = createBrokerClient({ url, token: TOKEN });
    const blob = await client.sample("marin");
    assert.equal(blob.type, "audio/mpeg");
    assert.equal(blob.size, 7);
    assert.equal(seen.at(-1).url, "/api/sample");
    assert.deepEqual(JSON.parse(seen.at(-1).body), { voice: "marin" });
    assert.equal(seen.at(-1).headers.authorization, `Bearer ${TOKEN}`);

    await client.tts({ input: "hello", voice: "cedar", format: "mp3", speed: 1.1 });
    assert.equal(seen.at(-1).url, "/api/tts");
    assert.deepEqual(JSON.parse(seen.at(-1).body), { input: "hello", voice: "cedar", format: "mp3", speed: 1.1 });
  });

  test("a non-audio answer to sample is an error", async () => {
    nextError = null;
    const client = createBrokerClient({
      url,
      token: TOKEN,
      fetchImpl: async () => new Response("{}", { status: 200, headers: { "Content-Type": "application/json" } }),
    });
    await expectError(client.sample("marin"), "bad_response");
  });

  test("the token is not a property of the client", () => {
    const client = createBrokerClient({ url, token: TOKEN });
    assert.ok(!JSON.stringify(client).includes(TOKEN));
    assert.ok(!inspect(client, { showHidden: true, depth: 5 }).includes(TOKEN));
    assert.ok(Object.isFrozen(client));
  });

  test("a dead port is broker_unreachable with a hint to start it", async () => {
    const dead = http.createServer();
    await new Promise((r) => dead.listen(0, "127.0.0.1", r));
    const port = dead.address().port;
    await new Promise((r) => dead.close(r));
    const err = await expectError(createBrokerClient({ url: `http://127.0.0.1:${port}`, token: TOKEN }).mint(), "broker_unreachable");
    assert.match(err.hint, /\.\/voice start/);
  });
});

describe("cross-origin refusal seen from a page", () => {
  const saved = Object.getOwnPropertyDescriptor(globalThis, "location");
  before(() => {
    Object.defineProperty(globalThis, "location", { value: { origin: "http://localhost:5174" }, configurable: true });
  });
  after(() => {
    if (saved) Object.defineProperty(globalThis, "location", saved);
    else delete globalThis.location;
  });

  test("a CORS-blocked call to a live broker is reported as forbidden_origin", async () => {
    const calls = [];
    const fetchImpl = async (u, init) => {
      calls.push({ u, init });
      if (init.mode === "no-cors") return new Response(null, { status: 200 });
      throw new TypeError("Failed to fetch");
    };
    const err = await expectError(createBrokerClient({ url: "http://127.0.0.1:8099", fetchImpl }).mint(), "forbidden_origin");
    assert.match(err.hint, /VOICE_ALLOWED_ORIGINS/);
    assert.equal(calls.length, 2);
    assert.equal(calls[1].u, "http://127.0.0.1:8099/api/health");
    assert.equal(calls[1].init.headers, undefined, "the probe carries no token");
  });

  test("when the probe fails too, the broker is unreachable", async () => {
    const fetchImpl = async () => {
      throw new TypeError("Failed to fetch");
    };
    await expectError(createBrokerClient({ url: "http://127.0.0.1:8099", token: TOKEN, fetchImpl }).mint(), "broker_unreachable");
  });
});

describe("brokerOrigin", () => {
  test("accepts loopback http(s) origins", () => {
    assert.equal(brokerOrigin("http://127.0.0.1:8099"), "http://127.0.0.1:8099");
    assert.equal(brokerOrigin("http://127.0.0.1:8099/"), "http://127.0.0.1:8099");
    assert.equal(brokerOrigin("http://localhost:8099"), "http://localhost:8099");
    assert.equal(brokerOrigin("http://[::1]:8099"), "http://[::1]:8099");
  });

  test("refuses anything else", () => {
    for (const bad of [
      "http://evil.example:8099",
      "http://0.0.0.0:8099",
      "http://127.0.0.1:8099/api",
      "http://127.0.0.1:8099/?x=1",
      "http://u:p@127.0.0.1:8099",
      "ftp://127.0.0.1:8099",
      "javascript:alert(1)",
      "not a url",
      "http://localhost.:8099",
    ]) {
      assert.throws(() => brokerOrigin(bad), (e) => e instanceof VoiceBrokerError && e.code === "bad_broker_url", bad);
    }
  });
});

describe("startBroker", () => {
  test("POSTs the launcher route and returns url, keyed, already and a hidden token", async () => {
    let seen;
    const fetchImpl = async (u, init) => {
      seen = { u, init };
      return Response.json({ ok: true, url: "http://127.0.0.1:8099", token: TOKEN, keyed: true, already: false });
    };
    const started = await startBroker({ fetchImpl, headers: { "X-Dashboard-Token": "dash" } });
    assert.equal(seen.u, "/__start_voice");
    assert.equal(seen.init.method, "POST");
    assert.equal(seen.init.headers["Content-Type"], "application/json");
    assert.equal(seen.init.headers["X-Dashboard-Token"], "dash");
    assert.equal(started.url, "http://127.0.0.1:8099");
    assert.equal(started.keyed, true);
    assert.equal(started.already, false);
    assert.equal(started.token, TOKEN);
    assert.ok(!JSON.stringify(started).includes(TOKEN), "the token does not serialise");
    assert.deepEqual(Object.keys(started), ["url", "keyed", "already"]);
  });

  test("launcher errors keep their code", async () => {
    const forbidden = async () => Response.json({ error: "forbidden_origin", message: "no", hint: "use the dev server's own origin" }, { status: 403 });
    const err = await expectError(startBroker({ fetchImpl: forbidden }), "forbidden_origin");
    assert.equal(err.status, 403);

    const failed = async () => Response.json({ error: "launcher_failed", message: "voice start-request exited with code 1", hint: "run ./voice doctor" }, { status: 500 });
    assert.equal((await expectError(startBroker({ fetchImpl: failed }), "launcher_failed")).hint, "run ./voice doctor");

    const missing = async () => new Response("not found", { status: 404 });
    await expectError(startBroker({ fetchImpl: missing }), "launcher_missing");

    const down = async () => {
      throw new TypeError("Failed to fetch");
    };
    await expectError(startBroker({ fetchImpl: down }), "launcher_unreachable");
  });

  test("a launcher answer pointing off-machine is refused", async () => {
    const fetchImpl = async () => Response.json({ ok: true, url: "http://evil.example:8099", token: TOKEN, keyed: true, already: false });
    await expectError(startBroker({ fetchImpl }), "bad_broker_url");
  });

  test("an answer without a token is bad_response", async () => {
    const fetchImpl = async () => Response.json({ ok: true, url: "http://127.0.0.1:8099", keyed: true, already: false });
    await expectError(startBroker({ fetchImpl }), "bad_response");
  });
});

class FakeChannel extends EventTarget {
  constructor(label) {
    super();
    this.label = label;
    this.readyState = "connecting";
    this.closed = false;
    this.sent = [];
  }
  send(data) {
    this.sent.push(data);
  }
  close() {
    this.closed = true;
    this.readyState = "closed";
  }
  become(state) {
    this.readyState = state;
    this.dispatchEvent(new Event(state === "open" ? "open" : "close"));
  }
  receive(data) {
    this.dispatchEvent(new MessageEvent("message", { data }));
  }
}

/**
 * A stand-in RTCPeerConnection. After the answer is applied it plays `FakePC.outcome`: "connect" (ICE and DTLS
 * succeed, the channel opens), "ice_failed", "dtls_failed", "channel_closed" or "never" (nothing happens).
 */
class FakePC extends EventTarget {
  static last = null;
  static outcome = "connect";
  constructor(config) {
    super();
    FakePC.last = this;
    this.config = config;
    this.tracks = [];
    this.transceivers = [];
    this.channels = [];
    this.local = null;
    this.remote = null;
    this.closed = false;
    this.connectionState = "new";
    this.iceConnectionState = "new";
  }
  addTrack(track, stream) {
    this.tracks.push({ track, stream });
  }
  addTransceiver(kind, init) {
    this.transceivers.push({ kind, init });
  }
  createDataChannel(label) {
    const ch = new FakeChannel(label);
    this.channels.push(ch);
    return ch;
  }
  async createOffer() {
    return { type: "offer", sdp: "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\n" };
  }
  async setLocalDescription(d) {
    this.local = d;
  }
  async setRemoteDescription(d) {
    this.remote = d;
    setTimeout(() => this.play(FakePC.outcome), 1);
  }
  play(outcome) {
    const [channel] = this.channels;
    if (outcome === "never") return;
    this.iceConnectionState = outcome === "ice_failed" ? "failed" : "connected";
    this.become(outcome === "ice_failed" || outcome === "dtls_failed" ? "failed" : "connected");
    if (outcome === "connect") channel.become("open");
    if (outcome === "channel_closed") channel.become("closed");
  }
  become(state) {
    this.connectionState = state;
    this.dispatchEvent(new Event("connectionstatechange"));
  }
  close() {
    this.closed = true;
    this.connectionState = "closed";
  }
}

describe("connectRealtime", () => {
  const ANSWER = "v=0\r\no=- 9 9 IN IP4 0.0.0.0\r\ns=answer\r\n";

  test("offers SDP to exactly the broker's calls_url with the client secret", async () => {
    const session = { ...SESSION, calls_url: "https://realtime.example.test/custom/prefix/calls?tenant=a" };
    let seen;
    const fetchImpl = async (u, init) => {
      seen = { u, init };
      return new Response(ANSWER, { status: 201, headers: { "Content-Type": "application/sdp", Location: "/v1/realtime/calls/rtc_123" } });
    };
    const conn = await connectRealtime(session, { fetchImpl, RTCPeerConnectionImpl: FakePC });
    assert.equal(seen.u, session.calls_url, "no path arithmetic");
    assert.equal(seen.init.method, "POST");
    assert.equal(seen.init.headers.Authorization, `Bearer ${SESSION.value}`);
    assert.equal(seen.init.headers["Content-Type"], "application/sdp");
    assert.equal(seen.init.body, FakePC.last.local.sdp);
    assert.equal(seen.init.redirect, "error");
    assert.equal(conn.status, 201);
    assert.equal(conn.answerSdp, ANSWER);
    assert.equal(conn.callLocation, "/v1/realtime/calls/rtc_123");
    assert.deepEqual(FakePC.last.remote, { type: "answer", sdp: ANSWER });
    assert.equal(conn.channel.label, "oai-events");
    assert.deepEqual(FakePC.last.transceivers, [{ kind: "audio", init: { direction: "recvonly" } }]);
    assert.equal(FakePC.last.tracks.length, 0);
    conn.close();
    assert.equal(FakePC.last.closed, true);
    assert.equal(conn.channel.closed, true);
  });

  test("adds the microphone's audio tracks when a stream is given, and wires the remote audio", async () => {
    const track = { kind: "audio", id: "mic" };
    const stream = { getAudioTracks: () => [track] };
    const audioElement = { srcObject: null };
    const fetchImpl = async () => new Response(ANSWER, { status: 201 });
    const conn = await connectRealtime(SESSION, { mediaStream: stream, audioElement, fetchImpl, RTCPeerConnectionImpl: FakePC });
    assert.deepEqual(FakePC.last.tracks, [{ track, stream }]);
    assert.equal(FakePC.last.transceivers.length, 0);
    const remote = { id: "remote" };
    FakePC.last.ontrack({ streams: [remote] });
    assert.equal(audioElement.srcObject, remote);
    conn.close();
    assert.equal(audioElement.srcObject, null);
  });

  test("a refused offer is realtime_call_failed with the upstream status, and the peer connection is closed", async () => {
    const fetchImpl = async () =>
      Response.json({ error: { message: "Invalid ephemeral key ek_68a1b2c3d4e5f6", type: "invalid_request_error", code: "invalid_api_key" } }, { status: 401 });
    const err = await expectError(connectRealtime(SESSION, { fetchImpl, RTCPeerConnectionImpl: FakePC }), "realtime_call_failed");
    assert.equal(err.status, 401);
    assert.ok(!err.message.includes(SESSION.value), "the client secret is redacted");
    assert.match(err.hint, /mint a new one/);
    assert.equal(FakePC.last.closed, true);
  });

  test("a network failure is realtime_unreachable", async () => {
    const fetchImpl = async () => {
      throw new TypeError("Failed to fetch");
    };
    await expectError(connectRealtime(SESSION, { fetchImpl, RTCPeerConnectionImpl: FakePC }), "realtime_unreachable");
    assert.equal(FakePC.last.closed, true);
  });

  test("bad sessions are refused before any network call", async () => {
    let called = false;
    const fetchImpl = async () => {
      called = true;
    };
    await expectError(connectRealtime({ ...SESSION, value: "" }, { fetchImpl, RTCPeerConnectionImpl: FakePC }), "bad_session");
    await expectError(connectRealtime({ ...SESSION, calls_url: "http://evil.example/v1/realtime/calls" }, { fetchImpl, RTCPeerConnectionImpl: FakePC }), "bad_session");
    await expectError(connectRealtime({ ...SESSION, calls_url: undefined }, { fetchImpl, RTCPeerConnectionImpl: FakePC }), "bad_session");
    assert.equal(called, false);
  });

  test("a local compatible server on loopback http is allowed", async () => {
    const fetchImpl = async () => new Response(ANSWER, { status: 201 });
    const conn = await connectRealtime({ ...SESSION, calls_url: "http://127.0.0.1:9999/v1/realtime/calls" }, { fetchImpl, RTCPeerConnectionImpl: FakePC });
    assert.equal(conn.status, 201);
  });

  test("resolves only once the peer connection is connected and the events channel open", async () => {
    const fetchImpl = async () => new Response(ANSWER, { status: 201 });
    const events = [];
    const conn = await connectRealtime(SESSION, { fetchImpl, RTCPeerConnectionImpl: FakePC, onEvent: (e) => events.push(e.type) });
    assert.equal(conn.pc.connectionState, "connected");
    assert.equal(conn.channel.readyState, "open");
    conn.channel.receive(JSON.stringify({ type: "session.created", session: {} }));
    conn.channel.receive("not json");
    assert.deepEqual(events, ["session.created"], "server events reach the page, parsed");
    conn.send({ type: "session.update", session: { instructions: "x" } });
    assert.deepEqual(JSON.parse(conn.channel.sent[0]), { type: "session.update", session: { instructions: "x" } });
  });

  for (const [outcome, code] of [
    ["ice_failed", "ice_failed"],
    ["dtls_failed", "dtls_failed"],
    ["channel_closed", "channel_failed"],
    ["never", "connect_timeout"],
  ]) {
    test(`a call whose transport ends ${outcome} is ${code} with a hint, and is closed`, async () => {
      FakePC.outcome = outcome;
      try {
        const fetchImpl = async () => new Response(ANSWER, { status: 201 });
        const err = await expectError(connectRealtime(SESSION, { fetchImpl, RTCPeerConnectionImpl: FakePC, connectTimeoutMs: 50 }), code);
        assert.notEqual(err.hint, "");
        assert.equal(FakePC.last.closed, true);
      } finally {
        FakePC.outcome = "connect";
      }
    });
  }
});

describe("playSample and masking", () => {
  test("plays the broker's sample, and reports a refused playback without throwing", async () => {
    const blob = new Blob([new Uint8Array([1, 2, 3])], { type: "audio/mpeg" });
    const client = { sample: async (voice) => (assert.equal(voice, "marin"), blob) };
    const audio = { src: "", play: async () => {} };
    const ok = await playSample(client, "marin", audio);
    assert.equal(ok.played, true);
    assert.equal(ok.blob, blob);
    assert.match(audio.src, /^blob:/);

    const refused = { src: "", play: async () => { throw Object.assign(new Error("no"), { name: "NotAllowedError" }); } };
    const r = await playSample(client, "marin", refused);
    assert.equal(r.played, false);
    assert.equal(r.playError, "NotAllowedError");
  });

  test("broker errors from sample propagate", async () => {
    const client = { sample: async () => { throw new VoiceBrokerError("no_key", "no key", { status: 401 }); } };
    await expectError(playSample(client, "marin", { play: async () => {} }), "no_key");
  });

  test("redact and maskSecret never keep any part of a secret", () => {
    assert.equal(redact("value ek_abc123 key sk-proj-xyz Bearer tok.en"), "value ek_… key sk-… Bearer …");
    assert.equal(maskSecret("ek_abc123"), "ek_…");
    assert.equal(maskSecret("sk-abc"), "sk-…");
    assert.equal(maskSecret(TOKEN), "…");
    assert.equal(maskSecret(""), "");
  });
});
