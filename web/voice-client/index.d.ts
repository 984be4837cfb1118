// Hand-written types for @voice-broker/client (plain ESM, no build step).

/** Every failure of this module. `code` is the broker's own error code when it sent one. */
export class VoiceBrokerError extends Error {
  constructor(code: string, message?: string, options?: { hint?: string; status?: number; cause?: unknown });
  readonly name: "VoiceBrokerError";
  /**
   * Stable machine code. From the broker: `no_key`, `forbidden_origin`, `missing_token`, `bad_token`,
   * `rate_limited`, …; from the dev-server launcher: `launcher_failed`, `method_not_allowed`, …; from this module:
   * `broker_unreachable`, `broker_timeout`, `launcher_unreachable`, `launcher_missing`, `launcher_timeout`,
   * `bad_broker_url`, `bad_response`, `bad_session`, `realtime_unreachable`, `realtime_timeout`,
   * `realtime_call_failed`, `ice_failed`, `dtls_failed`, `channel_failed`, `connect_timeout`, `call_closed`,
   * `webrtc_failed`, `no_fetch`, `no_webrtc`.
   */
  code: string;
  /** How to fix it (may be empty). */
  hint: string;
  /** HTTP status when there was a response, else 0. */
  status: number;
}

/** Masks `sk-…`, `ek_…` and `Bearer …` credentials in a string. */
export function redact(text: unknown): string;

/** `"ek_…"`, `"sk-…"`, `"…"` or `""`: a loggable stand-in that never contains any part of the secret. */
export function maskSecret(secret: unknown): string;

/** Normalises a broker URL to its origin; throws `bad_broker_url` unless it is http(s) on a loopback name. */
export function brokerOrigin(url: string): string;

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export interface StartBrokerOptions {
  /** Dev-server route of @voice-broker/vite-plugin. Default `"/__start_voice"`. */
  endpoint?: string;
  /** Extra request headers, e.g. a dashboard token header the launcher is configured to require. */
  headers?: Record<string, string>;
  fetchImpl?: FetchLike;
  /** Default 190000: a first start may build the broker (the launcher itself gives up after 180 s). */
  timeoutMs?: number;
}

export interface StartedBroker {
  /** Broker origin, e.g. `http://127.0.0.1:8099`. */
  url: string;
  /** Broker token. Non-enumerable: pass it to createBrokerClient and drop the object; never store or print it. */
  readonly token: string;
  /** Whether the broker has an OpenAI key. */
  keyed: boolean;
  /** Whether a healthy broker with the same configuration was already running. */
  already: boolean;
}

/** POSTs the dev server's launcher route. All checks and the launch happen server-side. */
export function startBroker(options?: StartBrokerOptions): Promise<StartedBroker>;

export interface StartedClient {
  /** A client that, when the broker answers bad_token (it restarted), starts it again once and retries once. */
  client: BrokerClient;
  started: StartedBroker;
}

/** startBroker, then a client for that broker that recovers by itself from a broker restart. */
export function startClient(options?: StartBrokerOptions): Promise<StartedClient>;

export interface BrokerHealth {
  ok: boolean;
  keyed: boolean;
  base: string;
  service?: string;
  [extra: string]: unknown;
}

export interface RealtimeSession {
  /** The short-lived client secret (`ek_…`). Never log or display it. */
  value: string;
  model: string;
  base: string;
  expires_at: number;
  configured: {
    instructions: boolean;
    mode: string;
    vad: string | null;
    transcription: string | null;
    voice: string | null;
  };
  /** Absolute WebRTC calls endpoint; the only URL connectRealtime posts to. */
  calls_url: string;
  /** Absolute WebSocket endpoint. */
  ws_url: string;
  [extra: string]: unknown;
}

export interface TtsOptions {
  input: string;
  voice: string;
  format?: string;
  instructions?: string;
  speed?: number;
}

export interface BrokerClient {
  /** Broker origin. The token is not a property: it lives only in a closure. */
  readonly url: string;
  readonly hasToken: boolean;
  health(): Promise<BrokerHealth>;
  mint(options?: { voice?: string; mode?: string }): Promise<RealtimeSession>;
  sample(voice: string): Promise<Blob>;
  tts(options: TtsOptions): Promise<Blob>;
}

export interface BrokerClientOptions {
  url: string;
  /** Omit on a page that did not start the broker; calls then go out without Authorization. */
  token?: string | null;
  fetchImpl?: FetchLike;
  /** Per-call timeout, default 30000. */
  timeoutMs?: number;
  /**
   * Called once when the broker answers bad_token (it restarted with a new token); the call is then retried once
   * against what it returns. startClient passes startBroker here.
   */
  restart?: () => Promise<{ url: string; token: string }>;
}

export function createBrokerClient(options: BrokerClientOptions): BrokerClient;

export interface ConnectOptions {
  /** Microphone stream; its audio tracks are added. Without one, an audio transceiver with `direction` is added. */
  mediaStream?: MediaStream | null;
  /** Receives the model's audio track as srcObject. */
  audioElement?: HTMLMediaElement | null;
  /** Transceiver direction when there is no mediaStream. Default `"recvonly"`. */
  direction?: RTCRtpTransceiverDirection;
  fetchImpl?: FetchLike;
  RTCPeerConnectionImpl?: new (config?: RTCConfiguration) => RTCPeerConnection;
  rtcConfig?: RTCConfiguration;
  /** Timeout of the SDP POST, default 30000. */
  timeoutMs?: number;
  /** How long ICE, DTLS and the events channel may take after the answer, default 15000 (then `connect_timeout`). */
  connectTimeoutMs?: number;
  /** Receives every server event (parsed JSON) from the first one on, `session.created` included. */
  onEvent?: (event: { type: string; [field: string]: unknown }) => void;
}

export interface RealtimeConnection {
  pc: RTCPeerConnection;
  /** `performance.now()` when the offer was made, the answer arrived, and the call connected. */
  timings: { startedAt: number; answeredAt: number; connectedAt: number };
  /** The `oai-events` data channel, open. */
  channel: RTCDataChannel;
  /** Sends a client event (e.g. `session.update`, `response.create`) as JSON on the events channel. */
  send(event: { type: string; [field: string]: unknown }): void;
  answerSdp: string;
  /** HTTP status of the SDP POST (201). */
  status: number;
  /** The `Location` header of the answer when the endpoint exposes it, else null. */
  callLocation: string | null;
  close(): void;
}

/**
 * Offers SDP to `session.calls_url` with `Authorization: Bearer <session.value>`, applies the answer, and resolves
 * once the peer connection is connected and the events channel open (else `ice_failed`, `dtls_failed`,
 * `channel_failed` or `connect_timeout`).
 */
export function connectRealtime(session: RealtimeSession, options?: ConnectOptions): Promise<RealtimeConnection>;

export interface SampleResult {
  blob: Blob;
  audio: HTMLAudioElement | null;
  /** False when the browser refused playback (autoplay policy, no device); broker errors throw instead. */
  played: boolean;
  playError: string | null;
}

export function playSample(client: BrokerClient, voice: string, audioElement?: HTMLAudioElement | null): Promise<SampleResult>;
