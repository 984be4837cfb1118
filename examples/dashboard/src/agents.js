// The same call through the official OpenAI Agents SDK (@openai/agents-realtime), loaded by index.html as a module
// of its own so that the rest of the page works without it. The broker's mint answer gives
// the two things a RealtimeSession needs: `value` (the ek_ client secret, passed as apiKey) and `calls_url` (the
// WebRTC transport's baseUrl). Nothing else about OpenAI's URLs or keys lives in the page.
//
// Right after the events channel opens, the SDK sends session.update with its own configuration, and that wins
// over the broker's template for every field it sends: instructions (the agent's, "" when the agent has none),
// transcription, turn detection, formats. It sends a voice only when told one, so the page passes the voice the
// broker minted, keeping the two consistent.

import { OpenAIRealtimeWebRTC, RealtimeAgent, RealtimeSession } from "@openai/agents-realtime";
import { VoiceBrokerError } from "@voice-broker/client";

export const AGENT_INSTRUCTIONS = "You are the dashboard's voice assistant. Answer briefly.";

async function connectWithAgentsSdk(session, { mediaStream, audioElement, onEvent }) {
  const transport = new OpenAIRealtimeWebRTC({
    baseUrl: session.calls_url,
    mediaStream: mediaStream ?? undefined,
    audioElement,
  });
  const agent = new RealtimeAgent({ name: "dashboard", instructions: AGENT_INSTRUCTIONS });
  const realtime = new RealtimeSession(agent, {
    transport,
    model: session.model,
    config: { audio: { output: { voice: session.configured?.voice ?? undefined } } },
  });
  realtime.on("transport_event", (event) => {
    if (typeof event?.type === "string" && !event.type.startsWith("connection_")) onEvent(event);
  });
  try {
    await realtime.connect({ apiKey: session.value });
  } catch (err) {
    realtime.close();
    throw asBrokerError(err);
  }
  const { peerConnection, dataChannel } = transport.connectionState;
  return {
    pc: peerConnection,
    channel: dataChannel,
    send: (event) => realtime.transport.sendEvent(event),
    close: () => realtime.close(),
  };
}

/** The SDK throws plain Errors; the page shows VoiceBrokerErrors with a code and a hint. */
function asBrokerError(err) {
  const message = String(err?.message ?? err);
  const status = Number(/status (\d{3})/.exec(message)?.[1] ?? 0);
  if (status) {
    return new VoiceBrokerError("realtime_call_failed", message, {
      status,
      hint: status === 401 ? "the client secret expired or was refused: mint a new one" : "check the broker's session template and model (./voice doctor)",
    });
  }
  return new VoiceBrokerError("webrtc_failed", `the Agents SDK could not connect: ${message}`, {
    hint: "check microphone permission and the browser console",
    cause: err,
  });
}

// main.js finds the SDK path here; module scripts run in document order, so this is set before main.js runs.
globalThis.voiceBrokerExample = { ...globalThis.voiceBrokerExample, connectWithAgentsSdk };
