// Minimal dashboard page for voice-broker, also driven by the end-to-end tests.
//
// The broker token stays inside the client's closure: it is never stored, put in the DOM, a URL or the log.
// The OpenAI key never reaches this page. `?broker=http://127.0.0.1:8099` skips /__start_voice and calls that
// broker directly without a token (a page on another origin: the broker must refuse it). `?mic=1` and `?sdk=1`
// tick the microphone and Agents SDK boxes; `?connectTimeoutMs=N` shortens how long a call may take to connect.
//
// The status line tells the truth about the call: "connecting" until the peer connection is connected and the
// events channel open, then "connected", "failed" when WebRTC fails, "closed" after hang-up or when the server
// ends the call.

import {
  VoiceBrokerError,
  connectRealtime,
  createBrokerClient,
  maskSecret,
  playSample,
  redact,
  startClient,
} from "@voice-broker/client";

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const directBroker = params.get("broker");
const BUTTONS = ["start", "mint", "connect", "respond", "hangup", "sample"];
const CALL_FIELDS = ["model", "calls-url", "answer-status", "call-state", "session-voice", "session-instructions", "server-events",
  "audio-bytes", "time-mint", "time-sdp", "time-connected", "time-session-created", "time-first-audio"];

let client = null;
let call = null;
let micStream = null;
let statsTimer = null;
let clickedAt = 0;

/** Milliseconds since the click that started this call, for the timing fields. */
function sinceClick(at = performance.now()) {
  return Math.round(at - clickedAt);
}

function setText(id, value) {
  $(id).textContent = value === undefined || value === null ? "" : String(value);
}

function log(line) {
  const time = new Date().toISOString().slice(11, 19);
  $("log").textContent += `${time} ${redact(line)}\n`;
}

function setStatus(status) {
  setText("status", status);
  for (const name of ["error", "failed", "connected"]) document.body.classList.toggle(name, status === name);
}

function setBusy(busy) {
  for (const id of BUTTONS) $(id).disabled = busy;
}

function clearError() {
  setText("error-code", "");
  setText("error-message", "");
  setText("error-hint", "");
}

function showError(err, status = "error") {
  const e = err instanceof VoiceBrokerError ? err : new VoiceBrokerError("unexpected", err?.message || String(err));
  setStatus(status);
  setText("error-code", e.code);
  setText("error-message", e.message);
  setText("error-hint", e.hint);
  log(`error ${e.code}${e.status ? ` (HTTP ${e.status})` : ""}: ${e.message}${e.hint ? ` — hint: ${e.hint}` : ""}`);
}

function selectedVoice() {
  return $("voice-select").value;
}

function selectedMode() {
  return $("mode-select").value || undefined;
}

function useDirectBroker() {
  client = createBrokerClient({ url: directBroker });
  setText("broker-url", client.url);
  log(`using the broker at ${client.url} directly, without a token`);
  return client;
}

async function start() {
  if (directBroker) {
    const health = await useDirectBroker().health();
    setText("keyed", health.keyed);
    setStatus("started");
    return client;
  }
  const { client: started, started: info } = await startClient();
  client = started;
  setText("broker-url", info.url);
  setText("already", info.already);
  setText("keyed", info.keyed);
  setStatus("started");
  log(`broker ${info.already ? "already running" : "started"} at ${info.url} (keyed: ${info.keyed}, token ${maskSecret(info.token)})`);
  if (!info.keyed) log("the broker has no OpenAI key: set OPENAI_API_KEY in its environment or .env, then start again");
  return client;
}

async function ensureClient() {
  if (client) return client;
  return directBroker ? useDirectBroker() : start();
}

async function mint() {
  const c = await ensureClient();
  const session = await c.mint({ voice: selectedVoice(), mode: selectedMode() });
  setText("model", session.model);
  setText("calls-url", session.calls_url);
  const ttl = Math.round(session.expires_at - Date.now() / 1000);
  log(`minted ${maskSecret(session.value)} for ${session.model} (mode ${session.configured?.mode ?? "?"}, voice ${session.configured?.voice ?? "?"}, expires in ${ttl} s)`);
  setStatus("minted");
  return session;
}

/** What the page shows of each server event: its type, and the session it carries. */
function onServerEvent(event) {
  const seen = $("server-events").textContent;
  setText("server-events", seen ? `${seen} ${event.type}` : event.type);
  if (event.type === "session.created") setText("time-session-created", sinceClick());
  log(`event ${event.type}`);
  if (event.type === "session.created" || event.type === "session.updated") {
    setText("session-voice", event.session?.audio?.output?.voice);
    setText("session-instructions", event.session?.instructions);
  }
}

/** Polls the call's inbound audio: bytes received so far, and when the first one arrived. */
function watchInboundAudio(pc) {
  const poll = async () => {
    if (!pc || pc.connectionState === "closed") return;
    let bytes = 0;
    for (const report of (await pc.getStats()).values()) {
      if (report.type === "inbound-rtp" && report.kind === "audio") bytes += report.bytesReceived ?? 0;
    }
    setText("audio-bytes", bytes);
    if (bytes > 0 && !$("time-first-audio").textContent) {
      setText("time-first-audio", sinceClick());
      log("first audio bytes received");
    }
    statsTimer = setTimeout(poll, bytes > 0 ? 250 : 10);
  };
  poll();
}

/** After connecting: a broken connection is "failed"; the events channel closing means the call ended. */
function followCallState(current) {
  const { pc, channel } = current;
  pc.addEventListener("connectionstatechange", () => {
    log(`peer connection ${pc.connectionState}`);
    if (call !== current || pc.connectionState !== "failed") return;
    hangup();
    showError(new VoiceBrokerError("call_failed", "the call's connection failed", {
      hint: "the network path to the Realtime API broke; connect again",
    }), "failed");
  });
  channel.addEventListener("close", () => {
    if (call !== current) return;
    hangup();
    log("the server ended the call");
    setStatus("closed");
  });
}

async function openMicrophone() {
  if (!$("use-mic").checked) return null;
  micStream = await navigator.mediaDevices.getUserMedia({ audio: true });
  log("microphone on");
  return micStream;
}

/** The project's own client: connectRealtime resolves once the call is connected and its channel open. */
async function callWithClient(session) {
  const connection = await connectRealtime(session, {
    mediaStream: await openMicrophone(),
    audioElement: $("remote-audio"),
    onEvent: onServerEvent,
    connectTimeoutMs: Number(params.get("connectTimeoutMs")) || undefined,
  });
  setText("answer-status", connection.status);
  setText("time-sdp", sinceClick(connection.timings.answeredAt));
  log(`SDP answer ${connection.status} from ${new URL(session.calls_url).origin}`);
  return { pc: connection.pc, channel: connection.channel, send: connection.send, close: connection.close };
}

/** The OpenAI Agents SDK: the broker's value and calls_url are all a RealtimeSession needs. */
async function callWithAgentsSdk(session) {
  const connectWithAgentsSdk = globalThis.voiceBrokerExample?.connectWithAgentsSdk;
  if (typeof connectWithAgentsSdk !== "function") {
    throw new VoiceBrokerError("sdk_missing", "the Agents SDK example (src/agents.js) did not load", {
      hint: "run npm ci in examples/dashboard: it installs @openai/agents-realtime",
    });
  }
  return connectWithAgentsSdk(session, {
    mediaStream: await openMicrophone(),
    audioElement: $("remote-audio"),
    onEvent: onServerEvent,
  });
}

function hangup() {
  clearTimeout(statsTimer);
  statsTimer = null;
  if (call) {
    call.close();
    call = null;
    log("call closed");
  }
  if (micStream) {
    for (const track of micStream.getTracks()) track.stop();
    micStream = null;
  }
  for (const id of CALL_FIELDS) setText(id, "");
}

async function connect(clicked) {
  hangup();
  clickedAt = clicked;
  const session = await mint();
  setText("time-mint", sinceClick());
  setStatus("connecting");
  try {
    call = await ($("use-sdk").checked ? callWithAgentsSdk(session) : callWithClient(session));
  } catch (err) {
    hangup();
    if (err instanceof VoiceBrokerError && err.status) setText("answer-status", err.status);
    showError(err, "failed");
    return;
  }
  setText("time-connected", sinceClick());
  // What WebRTC itself says at the moment the page calls it connected: "connected/open" or the page is lying.
  setText("call-state", `${call.pc.connectionState}/${call.channel.readyState}`);
  followCallState(call);
  watchInboundAudio(call.pc);
  log("connected: peer connection up, events channel open");
  setStatus("connected");
}

/** Asks the model to speak now (response.create), so a call with a silent microphone still gets audio. */
async function respond() {
  if (!call) throw new VoiceBrokerError("no_call", "there is no call to ask", { hint: "connect first" });
  call.send({ type: "response.create" });
  log("asked for a reply (response.create)");
  setStatus("connected");
}

async function sample() {
  const c = await ensureClient();
  const result = await playSample(c, selectedVoice(), $("sample-audio"));
  setText("sample-info", `${result.blob.type || "audio"} ${result.blob.size} bytes${result.played ? "" : ` (not played: ${result.playError})`}`);
  log(`sample of ${selectedVoice()}: ${result.blob.size} bytes${result.played ? ", playing" : `, playback refused (${result.playError})`}`);
  setStatus("sampled");
}

function wire(id, action) {
  $(id).addEventListener("click", async () => {
    const at = performance.now();
    clearError();
    setStatus("working");
    setBusy(true);
    try {
      await action(at);
    } catch (err) {
      showError(err);
    } finally {
      setBusy(false);
    }
  });
}

wire("start", start);
wire("mint", mint);
wire("connect", connect);
wire("respond", respond);
wire("sample", sample);
$("hangup").addEventListener("click", () => {
  hangup();
  clearError();
  setStatus("closed");
});

if (params.get("mic") === "1") $("use-mic").checked = true;
if (params.get("sdk") === "1") $("use-sdk").checked = true;
if (params.has("token")) {
  // Tokens are never read from URLs. Drop it from the address bar and history.
  params.delete("token");
  const rest = params.toString();
  history.replaceState(null, "", `${location.pathname}${rest ? `?${rest}` : ""}${location.hash}`);
  log("ignored ?token= in the URL: tokens are never read from URLs");
}
if (directBroker) log(`?broker= given: calls go straight to ${redact(directBroker)} without a token`);
setStatus("idle");
