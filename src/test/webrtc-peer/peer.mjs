// The WebRTC side of the test kit's fake OpenAI. The Java fake answers HTTP; for each POST /v1/realtime/calls it
// hands this process the browser's SDP offer and the session minted for that client secret, and we answer the
// way the Realtime API does: a real peer (werift) that completes ICE and DTLS, accepts the "oai-events" data
// channel, sends session.created, answers session.update with session.updated, counts the microphone's RTP and
// sends Opus audio back (the microphone's own packets echoed, or Opus silence frames while there are none).
//
// Protocol: one JSON object per line. Requests on stdin carry an "id"; each gets one answer line with that id.
//   {"id":1,"op":"answer","call":"rtc_…","offer":"v=0…","session":{…}}  ->  {"id":1,"answer":"v=0…"}
//   {"id":2,"op":"stats"}                                               ->  {"id":2,"calls":{"rtc_…":{…}}}
//   {"id":3,"op":"hangup"}  (the server ends every call)                ->  {"id":3}
// Failures answer {"id":…,"error":"…"}. The process ends when stdin closes, so it never outlives the fake.

import { createInterface } from "node:readline";
import { randomBytes } from "node:crypto";
import { RTCPeerConnection, RTCRtpCodecParameters, RtpHeader, RtpPacket } from "werift";

const FRAME_MS = 20;
const SAMPLES_PER_FRAME = 960; // 20 ms at Opus's 48 kHz RTP clock
const OPUS_SILENCE = Buffer.from([0xf8, 0xff, 0xfe]); // one 20 ms CELT frame of silence
const GATHER_TIMEOUT_MS = 5_000;

const calls = new Map();

function eventId() {
  return `event_${randomBytes(10).toString("hex")}`;
}

/** The session after an update: nested objects merge field by field, the update's values win. */
function merged(current, update) {
  const result = { ...current };
  for (const [key, value] of Object.entries(update)) {
    const plain = (v) => v !== null && typeof v === "object" && !Array.isArray(v);
    result[key] = plain(value) && plain(current?.[key]) ? merged(current[key], value) : value;
  }
  return result;
}

/** One call: the peer connection, its counters, and the session it speaks for. */
class Call {
  constructor(id, session) {
    this.id = id;
    this.session = session;
    this.state = "new";
    this.channelOpen = false;
    this.micPackets = 0;
    this.micBytes = 0;
    this.sentPackets = 0;
    this.clientEvents = [];
    this.echo = [];
    this.pc = new RTCPeerConnection({
      codecs: { audio: [new RTCRtpCodecParameters({ mimeType: "audio/opus", clockRate: 48000, channels: 2 })] },
      iceUseIpv6: false,
    });
    this.pc.connectionStateChange.subscribe((state) => {
      this.state = state;
      if (state === "closed" || state === "failed") this.stop();
    });
    this.pc.onTransceiverAdded.subscribe((transceiver) => this.onAudio(transceiver));
    this.pc.onDataChannel.subscribe((channel) => this.onChannel(channel));
  }

  async answer(offer) {
    await this.pc.setRemoteDescription({ type: "offer", sdp: offer });
    await this.pc.setLocalDescription(await this.pc.createAnswer());
    await this.gathered();
    return this.pc.localDescription.sdp;
  }

  /** Answers after ICE gathering, as the Realtime API does: its SDP carries every candidate (no trickle). */
  gathered() {
    if (this.pc.iceGatheringState === "complete") return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, GATHER_TIMEOUT_MS);
      this.pc.iceGatheringStateChange.subscribe((state) => {
        if (state === "complete") {
          clearTimeout(timer);
          resolve();
        }
      });
    });
  }

  onAudio(transceiver) {
    // The Realtime API always speaks: it sends audio even to a page that only listens (a recvonly offer).
    transceiver.setDirection("sendrecv");
    transceiver.onTrack.subscribe((track) => {
      track.onReceiveRtp.subscribe((rtp) => {
        this.micPackets += 1;
        this.micBytes += rtp.payload.length;
        if (this.echo.length < 50) this.echo.push(rtp.payload);
      });
    });
    let sequenceNumber = 0;
    let timestamp = 0;
    this.sender = setInterval(() => {
      if (transceiver.sender.dtlsTransport?.state !== "connected") return;
      const payload = this.echo.shift() ?? OPUS_SILENCE;
      const header = new RtpHeader({ sequenceNumber, timestamp, marker: sequenceNumber === 0 });
      sequenceNumber = (sequenceNumber + 1) & 0xffff;
      timestamp = (timestamp + SAMPLES_PER_FRAME) >>> 0;
      transceiver.sender.sendRtp(new RtpPacket(header, payload)).then(() => (this.sentPackets += 1), () => {});
    }, FRAME_MS);
  }

  onChannel(channel) {
    if (channel.label !== "oai-events") return;
    const send = (event) => channel.send(JSON.stringify({ event_id: eventId(), ...event }));
    const greet = () => send({ type: "session.created", session: this.session });
    channel.stateChanged.subscribe((state) => {
      this.channelOpen = state === "open";
      if (this.channelOpen) greet();
    });
    this.channelOpen = channel.readyState === "open";
    if (this.channelOpen) greet();
    channel.onMessage.subscribe((data) => {
      let event;
      try {
        event = JSON.parse(data.toString());
      } catch {
        send({ type: "error", error: { type: "invalid_request_error", code: "invalid_json", message: "The event is not valid JSON." } });
        return;
      }
      this.clientEvents.push(String(event?.type));
      if (event?.type === "session.update") {
        this.session = merged(this.session, event.session ?? {});
        send({ type: "session.updated", session: this.session });
      } else if (event?.type === "response.create") {
        // The audio itself is already flowing on the track; the events frame a reply the way the API does.
        const response = { object: "realtime.response", id: `resp_${randomBytes(8).toString("hex")}`, output: [] };
        send({ type: "response.created", response: { ...response, status: "in_progress" } });
        send({ type: "response.done", response: { ...response, status: "completed" } });
      }
    });
  }

  stop() {
    clearInterval(this.sender);
  }

  stats() {
    return {
      state: this.state,
      channelOpen: this.channelOpen,
      micPackets: this.micPackets,
      micBytes: this.micBytes,
      sentPackets: this.sentPackets,
      clientEvents: this.clientEvents,
    };
  }
}

async function handle(request) {
  if (request.op === "answer") {
    const call = new Call(request.call, request.session);
    calls.set(request.call, call);
    return { answer: await call.answer(request.offer) };
  }
  if (request.op === "hangup") {
    for (const call of calls.values()) await call.pc.close();
    return {};
  }
  if (request.op === "stats") {
    return { calls: Object.fromEntries([...calls].map(([id, call]) => [id, call.stats()])) };
  }
  throw new Error(`unknown op ${request.op}`);
}

function reply(line) {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

const input = createInterface({ input: process.stdin });
input.on("line", (line) => {
  let request;
  try {
    request = JSON.parse(line);
  } catch {
    return;
  }
  handle(request).then(
    (result) => reply({ id: request.id, ...result }),
    (err) => reply({ id: request.id, error: String(err?.message ?? err) }),
  );
});
input.on("close", () => {
  for (const call of calls.values()) {
    call.stop();
    call.pc.close().catch(() => {});
  }
  process.exit(0);
});
reply({ ready: true });
