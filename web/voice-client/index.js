// @voice-broker/client: the browser side of voice-broker.
//
// The page never holds the OpenAI key. It asks its dev server to start the broker (POST /__start_voice),
// keeps the broker token only in a closure, asks the broker for a short-lived Realtime client secret (ek_...),
// and talks WebRTC straight to the calls URL the broker returned.

import { maskSecret, redact } from "./redact.js";

export { maskSecret, redact };

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_CONNECT_TIMEOUT_MS = 15_000;
const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

/** Every failure of this module is one of these. `code` is a stable machine code (the broker's own when it sent one). */
export class VoiceBrokerError extends Error {
  constructor(code, message, { hint = "", status = 0, cause } = {}) {
    super(redact(String(message || code)), cause === undefined ? undefined : { cause });
    this.name = "VoiceBrokerError";
    this.code = String(code);
    this.hint = redact(String(hint || ""));
    this.status = Number(status) || 0;
  }
}

const FETCH_DEFAULTS = Object.freeze({
  cache: "no-store",
  credentials: "omit",
  redirect: "error",
  referrerPolicy: "no-referrer",
});

function pickFetch(fetchImpl) {
  const f = fetchImpl ?? globalThis.fetch;
  if (typeof f !== "function") {
    throw new VoiceBrokerError("no_fetch", "fetch is not available here", {
      hint: "run in a browser, or pass fetchImpl",
    });
  }
  return f;
}

function pageOrigin() {
  try {
    return globalThis.location?.origin ?? null;
  } catch {
    return null;
  }
}

async function withTimeout(timeoutMs, run) {
  if (!timeoutMs || typeof AbortController !== "function") return run(undefined);
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), timeoutMs);
  try {
    return await run(ctl.signal);
  } finally {
    clearTimeout(timer);
  }
}

/** Turns a non-2xx response into a VoiceBrokerError, keeping the broker's code/message/hint. */
async function errorFromResponse(res, fallbackCode, fallbackHint) {
  let body = null;
  try {
    const text = await res.text();
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  if (body && typeof body === "object") {
    // Broker style: {"error":"code","message":"…","hint":"…"}.
    if (typeof body.error === "string") {
      return new VoiceBrokerError(body.error, body.message || body.error, {
        hint: body.hint || fallbackHint,
        status: res.status,
      });
    }
    // OpenAI style: {"error":{"message":"…","type":"…","code":"…"}}.
    if (body.error && typeof body.error === "object") {
      const e = body.error;
      return new VoiceBrokerError(fallbackCode, e.message || e.code || e.type || `HTTP ${res.status}`, {
        hint: fallbackHint,
        status: res.status,
      });
    }
  }
  return new VoiceBrokerError(fallbackCode, `HTTP ${res.status} without a JSON error body`, {
    hint: fallbackHint,
    status: res.status,
  });
}

function isAbort(err) {
  return err && (err.name === "AbortError" || err.name === "TimeoutError");
}

/**
 * Normalises and checks a broker URL: http(s) on a loopback name only, no credentials, path, query or fragment.
 * The broker token is only ever sent to the origin this returns.
 */
export function brokerOrigin(url) {
  let u;
  try {
    u = new URL(String(url));
  } catch {
    throw new VoiceBrokerError("bad_broker_url", `not a URL: ${JSON.stringify(String(url))}`, {
      hint: "the broker URL looks like http://127.0.0.1:8099",
    });
  }
  const ok =
    (u.protocol === "http:" || u.protocol === "https:") &&
    LOOPBACK_HOSTS.has(u.hostname.toLowerCase()) &&
    !u.username &&
    !u.password &&
    (u.pathname === "/" || u.pathname === "") &&
    !u.search &&
    !u.hash;
  if (!ok) {
    throw new VoiceBrokerError("bad_broker_url", `refusing broker URL ${JSON.stringify(redact(u.href))}`, {
      hint: "the broker listens on loopback only: use http://127.0.0.1:<port>, http://localhost:<port> or http://[::1]:<port>",
    });
  }
  return u.origin;
}

/**
 * Asks the dev server to start (or find) the broker. All checks happen server-side; this only POSTs.
 * The token in the result is non-enumerable, so logging or JSON-serialising the result does not print it.
 */
export async function startBroker({ endpoint = "/__start_voice", headers, fetchImpl, timeoutMs = 190_000 } = {}) {
  const f = pickFetch(fetchImpl);
  let res;
  try {
    res = await withTimeout(timeoutMs, (signal) =>
      f(endpoint, {
        ...FETCH_DEFAULTS,
        credentials: "same-origin",
        method: "POST",
        headers: { ...(headers || {}), "Content-Type": "application/json" },
        body: "{}",
        signal,
      }),
    );
  } catch (err) {
    if (isAbort(err)) {
      throw new VoiceBrokerError("launcher_timeout", `${endpoint} did not answer within ${timeoutMs} ms`, {
        hint: "run ./voice doctor, or start the broker yourself with ./voice start",
        cause: err,
      });
    }
    throw new VoiceBrokerError("launcher_unreachable", `could not reach ${endpoint}: ${err?.message || err}`, {
      hint: "is the dev server (npm run dev) still running? You can also start the broker with ./voice start",
      cause: err,
    });
  }
  if (!res.ok) {
    if (res.status === 404) {
      throw new VoiceBrokerError("launcher_missing", `${endpoint} is not served here (HTTP 404)`, {
        // 404 means no dev server with the plugin: `vite preview` and a built site never have one.
        hint: "the launcher exists only in the Vite dev server (npm run dev with voiceBroker() in vite.config.js); a built page "
          + "(vite preview, production) gets the broker's URL and token from its own server instead: see README, Production",
        status: 404,
      });
    }
    throw await errorFromResponse(res, "launcher_failed", "run ./voice doctor");
  }
  let body;
  try {
    body = await res.json();
  } catch (err) {
    throw new VoiceBrokerError("bad_response", `${endpoint} did not answer JSON`, {
      hint: "run ./voice doctor",
      status: res.status,
      cause: err,
    });
  }
  if (!body || body.ok !== true || typeof body.url !== "string" || typeof body.token !== "string" || !body.token) {
    throw new VoiceBrokerError(
      typeof body?.error === "string" ? body.error : "bad_response",
      typeof body?.message === "string" ? body.message : `${endpoint} answered without a broker url and token`,
      { hint: body?.hint || "run ./voice doctor", status: res.status },
    );
  }
  const result = {
    url: brokerOrigin(body.url),
    keyed: body.keyed === true,
    already: body.already === true,
  };
  Object.defineProperty(result, "token", { value: body.token, enumerable: false });
  return result;
}

/**
 * Starts the broker through the dev server and returns a client for it that recovers by itself from a broker
 * restart: a call refused with bad_token starts the broker again through the same route, then is retried once.
 * Resolves to `{ client, started }` (`started` as from startBroker, token non-enumerable).
 */
export async function startClient(startOptions = {}) {
  const start = () => startBroker(startOptions);
  const started = await start();
  const client = createBrokerClient({ url: started.url, token: started.token, fetchImpl: startOptions.fetchImpl, restart: start });
  return { client, started };
}

/**
 * A client for one broker. The token lives only in this closure: it is not a property of the returned object.
 * Without a token (a page that did not start the broker) calls go out without Authorization, and the broker's
 * refusal surfaces as a VoiceBrokerError.
 */
export function createBrokerClient({ url, token, fetchImpl, timeoutMs = DEFAULT_TIMEOUT_MS, restart } = {}) {
  let origin = brokerOrigin(url);
  let secret = typeof token === "string" && token ? token : null;
  const f = pickFetch(fetchImpl);

  async function unreachable(path, err) {
    if (isAbort(err)) {
      return new VoiceBrokerError("broker_timeout", `the broker at ${origin} did not answer ${path} within ${timeoutMs} ms`, {
        hint: "check the broker log, or restart it with ./voice start",
        cause: err,
      });
    }
    // A browser hides a CORS refusal behind the same TypeError as a dead port. When this page is on another origin,
    // an opaque no-cors probe tells the two apart: if the broker answers it, it is up and refused this origin.
    const here = pageOrigin();
    if (here && here !== "null" && here !== origin) {
      try {
        // no-cors requires redirect "follow"; the probe carries no token, so that is harmless.
        await f(`${origin}/api/health`, { ...FETCH_DEFAULTS, redirect: "follow", mode: "no-cors", method: "GET" });
        return new VoiceBrokerError(
          "forbidden_origin",
          `the broker at ${origin} is running but refused this page's origin ${here} (the browser blocked the response)`,
          {
            hint: `open the dashboard from the dev server that started the broker, or add ${here} to VOICE_ALLOWED_ORIGINS and restart the broker with ./voice start`,
            status: 403,
            cause: err,
          },
        );
      } catch {
        // fall through: really unreachable
      }
    }
    return new VoiceBrokerError("broker_unreachable", `could not reach the broker at ${origin} (${err?.message || err})`, {
      hint: "start it with ./voice start (or the Start button on the dashboard), then try again",
      cause: err,
    });
  }

  // A broker that restarted (another program ran `voice start`, or it was updated) has a new token, so the old one
  // answers bad_token. With `restart`, the client starts it again through the dev server once, then retries once.
  async function call(path, options) {
    try {
      return await callOnce(path, options);
    } catch (err) {
      if (!(err instanceof VoiceBrokerError) || err.code !== "bad_token" || typeof restart !== "function") throw err;
      const fresh = await restart();
      origin = brokerOrigin(fresh.url);
      secret = fresh.token;
      return callOnce(path, options);
    }
  }

  async function callOnce(path, { method = "GET", json, accept = "application/json" } = {}) {
    const headers = { Accept: accept };
    let body;
    if (json !== undefined) {
      headers["Content-Type"] = "application/json";
      body = JSON.stringify(json);
    }
    if (secret && method !== "GET") headers.Authorization = `Bearer ${secret}`;
    let res;
    try {
      res = await withTimeout(timeoutMs, (signal) =>
        f(`${origin}${path}`, { ...FETCH_DEFAULTS, mode: "cors", method, headers, body, signal }),
      );
    } catch (err) {
      throw await unreachable(path, err);
    }
    if (!res.ok) throw await errorFromResponse(res, "broker_error", "check the broker log (./voice doctor)");
    return res;
  }

  async function json(res) {
    try {
      return await res.json();
    } catch (err) {
      throw new VoiceBrokerError("bad_response", "the broker did not answer JSON", {
        hint: "is something else listening on the broker's port? Run ./voice doctor",
        status: res.status,
        cause: err,
      });
    }
  }

  async function audio(path, payload) {
    const res = await call(path, { method: "POST", json: payload, accept: "audio/*" });
    const type = (res.headers.get("content-type") || "").toLowerCase();
    if (!type.startsWith("audio/")) {
      throw new VoiceBrokerError("bad_response", `the broker answered ${type || "no content type"} instead of audio`, {
        hint: "run ./voice doctor",
        status: res.status,
      });
    }
    return res.blob();
  }

  const client = {
    get url() {
      return origin;
    },
    get hasToken() {
      return secret !== null;
    },

    async health() {
      return json(await call("/api/health"));
    },

    async mint({ voice, mode } = {}) {
      const payload = {};
      if (voice !== undefined && voice !== null && voice !== "") payload.voice = String(voice);
      if (mode !== undefined && mode !== null && mode !== "") payload.mode = String(mode);
      const session = await json(await call("/api/session", { method: "POST", json: payload }));
      if (!session || typeof session.value !== "string" || !session.value || typeof session.calls_url !== "string") {
        throw new VoiceBrokerError("bad_response", "the broker's session has no client secret or calls_url", {
          hint: "run ./voice doctor",
        });
      }
      return session;
    },

    async sample(voice) {
      return audio("/api/sample", { voice: String(voice ?? "") });
    },

    async tts({ input, voice, format, instructions, speed } = {}) {
      const payload = { input: String(input ?? ""), voice: String(voice ?? "") };
      if (format !== undefined) payload.format = format;
      if (instructions !== undefined) payload.instructions = instructions;
      if (speed !== undefined) payload.speed = speed;
      return audio("/api/tts", payload);
    },
  };
  return Object.freeze(client);
}

function checkCallsUrl(value) {
  let u;
  try {
    u = new URL(String(value));
  } catch {
    throw new VoiceBrokerError("bad_session", "the session's calls_url is not a URL", { hint: "run ./voice doctor" });
  }
  const loopback = LOOPBACK_HOSTS.has(u.hostname.toLowerCase());
  if (!(u.protocol === "https:" || (u.protocol === "http:" && loopback)) || u.username || u.password) {
    throw new VoiceBrokerError("bad_session", `refusing calls_url ${JSON.stringify(u.origin)}`, {
      hint: "calls_url must be https (or http on loopback for a local compatible server)",
    });
  }
  return u.href;
}

function now() {
  return globalThis.performance?.now?.() ?? Date.now();
}

/** Why a peer connection that failed did so: ICE never found a path, or the path was found and DTLS failed. */
function transportFailure(pc) {
  if (pc.iceConnectionState === "failed" || !["connected", "completed"].includes(pc.iceConnectionState)) {
    return new VoiceBrokerError("ice_failed", "WebRTC could not find a network path to the Realtime endpoint (ICE failed)", {
      hint: "a firewall or VPN may block UDP to the Realtime API; on a local compatible server, Chromium needs --allow-loopback-in-peer-connection",
    });
  }
  return new VoiceBrokerError("dtls_failed", "WebRTC reached the Realtime endpoint but the secure handshake failed (DTLS)", {
    hint: "check that calls_url points at the Realtime API or a compatible server, and try again",
  });
}

/**
 * Resolves once the peer connection is connected and the data channel is open; rejects with a typed error when
 * either fails first, or when `timeoutMs` passes.
 */
function waitUntilConnected(pc, channel, timeoutMs) {
  return new Promise((resolve, reject) => {
    const done = (err) => {
      clearTimeout(timer);
      pc.removeEventListener?.("connectionstatechange", check);
      channel.removeEventListener?.("open", check);
      channel.removeEventListener?.("close", channelClosed);
      channel.removeEventListener?.("error", channelClosed);
      err ? reject(err) : resolve();
    };
    const check = () => {
      if (pc.connectionState === "failed") done(transportFailure(pc));
      else if (pc.connectionState === "closed") done(new VoiceBrokerError("call_closed", "the call was closed before it connected"));
      else if (pc.connectionState === "connected" && channel.readyState === "open") done();
    };
    const channelClosed = () =>
      done(
        new VoiceBrokerError("channel_failed", "the Realtime events channel (oai-events) closed before it opened", {
          hint: "the server refused the data channel: check that calls_url points at the Realtime API",
        }),
      );
    const timer = setTimeout(
      () =>
        done(
          new VoiceBrokerError(
            "connect_timeout",
            `WebRTC did not connect within ${timeoutMs} ms (peer connection ${pc.connectionState}, events channel ${channel.readyState})`,
            { hint: "a firewall or VPN may block UDP to the Realtime API; try another network, or raise connectTimeoutMs" },
          ),
        ),
      timeoutMs,
    );
    pc.addEventListener("connectionstatechange", check);
    channel.addEventListener("open", check);
    channel.addEventListener("close", channelClosed);
    channel.addEventListener("error", channelClosed);
    check();
  });
}

/** Hands each server event (parsed JSON) to `onEvent`, from the first one on, so the page never misses session.created. */
function forwardEvents(channel, onEvent) {
  channel.addEventListener("message", (message) => {
    let event;
    try {
      event = JSON.parse(message.data);
    } catch {
      return;
    }
    try {
      onEvent?.(event);
    } catch (err) {
      console.error("voice-broker: onEvent threw", err);
    }
  });
}

/**
 * Opens a WebRTC call to the Realtime API with a session minted by the broker, and resolves once it is really
 * up: the peer connection connected (ICE and DTLS done) and the `oai-events` data channel open.
 * Uses only session.calls_url and session.value; never builds an OpenAI URL itself.
 */
export async function connectRealtime(
  session,
  {
    mediaStream,
    audioElement,
    onEvent,
    fetchImpl,
    RTCPeerConnectionImpl,
    rtcConfig,
    direction = "recvonly",
    timeoutMs = DEFAULT_TIMEOUT_MS,
    connectTimeoutMs = DEFAULT_CONNECT_TIMEOUT_MS,
  } = {},
) {
  if (!session || typeof session.value !== "string" || !session.value) {
    throw new VoiceBrokerError("bad_session", "no client secret in the session", { hint: "mint a session first" });
  }
  const callsUrl = checkCallsUrl(session.calls_url);
  const f = pickFetch(fetchImpl);
  const PC = RTCPeerConnectionImpl ?? globalThis.RTCPeerConnection;
  if (typeof PC !== "function") {
    throw new VoiceBrokerError("no_webrtc", "RTCPeerConnection is not available here", {
      hint: "use a browser with WebRTC, or pass RTCPeerConnectionImpl",
    });
  }

  const startedAt = now();
  const pc = new PC(rtcConfig);
  let channel = null;
  const close = () => {
    try {
      channel?.close();
    } catch {}
    try {
      pc.close();
    } catch {}
    if (audioElement && "srcObject" in audioElement) audioElement.srcObject = null;
  };

  try {
    if (audioElement) {
      pc.ontrack = (event) => {
        const [stream] = event.streams || [];
        if (stream) audioElement.srcObject = stream;
      };
    }
    const tracks = mediaStream?.getAudioTracks?.() ?? [];
    if (tracks.length > 0) {
      for (const track of tracks) pc.addTrack(track, mediaStream);
    } else {
      pc.addTransceiver("audio", { direction });
    }
    channel = pc.createDataChannel("oai-events");
    forwardEvents(channel, onEvent);

    const offer = await pc.createOffer();
    await pc.setLocalDescription(offer);

    let res;
    try {
      res = await withTimeout(timeoutMs, (signal) =>
        f(callsUrl, {
          ...FETCH_DEFAULTS,
          mode: "cors",
          method: "POST",
          body: offer.sdp,
          headers: { Authorization: `Bearer ${session.value}`, "Content-Type": "application/sdp" },
          signal,
        }),
      );
    } catch (err) {
      throw new VoiceBrokerError(
        isAbort(err) ? "realtime_timeout" : "realtime_unreachable",
        `could not reach the Realtime calls endpoint ${new URL(callsUrl).origin} (${err?.message || err})`,
        { hint: "check the network, or the broker's OPENAI_BASE_URL (./voice doctor)", cause: err },
      );
    }
    if (res.status !== 201 && res.status !== 200) {
      throw await errorFromResponse(
        res,
        "realtime_call_failed",
        res.status === 401 ? "the client secret expired or was refused: mint a new one" : "check the broker's session template and model (./voice doctor)",
      );
    }
    const answerSdp = await res.text();
    if (!answerSdp.startsWith("v=")) {
      throw new VoiceBrokerError("realtime_call_failed", "the calls endpoint did not answer an SDP", {
        hint: "check the broker's OPENAI_BASE_URL (./voice doctor)",
        status: res.status,
      });
    }
    const answeredAt = now();
    await pc.setRemoteDescription({ type: "answer", sdp: answerSdp });
    await waitUntilConnected(pc, channel, connectTimeoutMs);
    return {
      timings: { startedAt, answeredAt, connectedAt: now() },
      pc,
      channel,
      answerSdp,
      status: res.status,
      callLocation: res.headers.get("location"),
      send(event) {
        channel.send(JSON.stringify(event));
      },
      close,
    };
  } catch (err) {
    close();
    if (err instanceof VoiceBrokerError) throw err;
    throw new VoiceBrokerError("webrtc_failed", `WebRTC setup failed: ${err?.message || err}`, {
      hint: "check microphone permission and the browser console",
      cause: err,
    });
  }
}

let lastSampleUrl = null;

/**
 * Fetches a voice sample from the broker and plays it. Broker failures throw; a playback refusal (autoplay policy,
 * no audio device) does not: it is reported as `played: false` with `playError`.
 */
export async function playSample(client, voice, audioElement) {
  const blob = await client.sample(voice);
  const audio = audioElement ?? (typeof Audio === "function" ? new Audio() : null);
  if (!audio || typeof URL?.createObjectURL !== "function") return { blob, audio: null, played: false, playError: "no audio element" };
  if (lastSampleUrl) URL.revokeObjectURL(lastSampleUrl);
  lastSampleUrl = URL.createObjectURL(blob);
  audio.src = lastSampleUrl;
  try {
    await audio.play();
    return { blob, audio, played: true, playError: null };
  } catch (err) {
    return { blob, audio, played: false, playError: err?.name || String(err) };
  }
}
