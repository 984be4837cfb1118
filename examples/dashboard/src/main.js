// Minimal dashboard page for voice-broker, also driven by the end-to-end tests.
//
// The broker token stays inside the client's closure: it is never stored, put in the DOM, a URL or the log.
// The OpenAI key never reaches this page. `?broker=http://127.0.0.1:8099` skips /__start_voice and calls that
// broker directly without a token (a page on another origin: the broker must refuse it).

import {
  VoiceBrokerError,
  connectRealtime,
  createBrokerClient,
  maskSecret,
  playSample,
  redact,
  startBroker,
} from "@voice-broker/client";

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const directBroker = params.get("broker");

let client = null;
let connection = null;
let micStream = null;

function setText(id, value) {
  $(id).textContent = value === undefined || value === null ? "" : String(value);
}

function log(line) {
  const time = new Date().toISOString().slice(11, 19);
  $("log").textContent += `${time} ${redact(line)}\n`;
}

function setStatus(status) {
  setText("status", status);
  document.body.classList.toggle("error", status === "error");
}

function clearError() {
  setText("error-code", "");
  setText("error-message", "");
  setText("error-hint", "");
}

function showError(err) {
  const e = err instanceof VoiceBrokerError ? err : new VoiceBrokerError("unexpected", err?.message || String(err));
  setStatus("error");
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

async function start() {
  if (directBroker) {
    client = createBrokerClient({ url: directBroker });
    setText("broker-url", client.url);
    log(`using the broker at ${client.url} directly, without a token`);
    const health = await client.health();
    setText("keyed", health.keyed);
    setStatus("started");
    return client;
  }
  const started = await startBroker();
  client = createBrokerClient({ url: started.url, token: started.token });
  setText("broker-url", started.url);
  setText("already", started.already);
  setText("keyed", started.keyed);
  setStatus("started");
  log(`broker ${started.already ? "already running" : "started"} at ${started.url} (keyed: ${started.keyed}, token ${maskSecret(started.token)})`);
  if (!started.keyed) log("the broker has no OpenAI key: set OPENAI_API_KEY in its environment or .env, then start again");
  return client;
}

async function ensureClient() {
  if (client) return client;
  if (directBroker) {
    client = createBrokerClient({ url: directBroker });
    setText("broker-url", client.url);
    log(`using the broker at ${client.url} directly, without a token`);
    return client;
  }
  return start();
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

function hangup() {
  if (connection) {
    connection.close();
    connection = null;
    log("call closed");
  }
  if (micStream) {
    for (const track of micStream.getTracks()) track.stop();
    micStream = null;
  }
}

async function connect() {
  hangup();
  setText("answer-status", "");
  const session = await mint();
  if ($("use-mic").checked) {
    micStream = await navigator.mediaDevices.getUserMedia({ audio: true });
    log("microphone on");
  }
  try {
    connection = await connectRealtime(session, { mediaStream: micStream, audioElement: $("remote-audio") });
  } catch (err) {
    if (err instanceof VoiceBrokerError && err.status) setText("answer-status", err.status);
    hangup();
    throw err;
  }
  setText("answer-status", connection.status);
  log(`SDP answer ${connection.status} from ${new URL(session.calls_url).origin}`);
  const { pc, channel } = connection;
  pc.addEventListener("connectionstatechange", () => log(`peer connection ${pc.connectionState}`));
  channel.addEventListener("open", () => log("data channel oai-events open"));
  channel.addEventListener("message", (event) => {
    try {
      log(`event ${JSON.parse(event.data).type}`);
    } catch {
      log("event (not JSON)");
    }
  });
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
    clearError();
    setStatus("working");
    try {
      await action();
    } catch (err) {
      showError(err);
    }
  });
}

wire("start", start);
wire("mint", mint);
wire("connect", connect);
wire("sample", sample);
$("hangup").addEventListener("click", () => {
  hangup();
  clearError();
  setStatus("idle");
});

if (params.get("mic") === "1") $("use-mic").checked = true;
if (params.has("token")) {
  // Tokens are never read from URLs. Drop it from the address bar and history.
  params.delete("token");
  const rest = params.toString();
  history.replaceState(null, "", `${location.pathname}${rest ? `?${rest}` : ""}${location.hash}`);
  log("ignored ?token= in the URL: tokens are never read from URLs");
}
if (directBroker) log(`?broker= given: calls go straight to ${redact(directBroker)} without a token`);
setStatus("idle");
