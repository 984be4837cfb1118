// Hand-written types for @voice-broker/vite-plugin (plain ESM, no build step).
import type { Plugin } from "vite";

export interface VoiceBrokerPluginOptions {
  /**
   * Path to the repo's `voice` script (relative paths resolve from Vite's root). Default: walk up from Vite's root
   * to the first directory holding an executable file named `voice` beside a `pom.xml`.
   */
  voiceCommand?: string;
  /** Header carrying the dashboard token; passed to the launcher, which enforces it. Lowercased. */
  dashboardTokenHeader?: string;
  /** File holding the expected dashboard token; passed (as an absolute path) to the launcher. */
  dashboardTokenFile?: string;
  /**
   * Exact origins allowed to start the broker and to call it (also exported to the launcher as
   * VOICE_ALLOWED_ORIGINS). Default: this dev server's own `http(s)://localhost|127.0.0.1|[::1]:<port>`.
   */
  allowedOrigins?: string[];
  /** Extra non-secret environment for the launcher. Keys and secrets are refused: they come from the environment. */
  env?: Record<string, string>;
  /** Route to serve. Default `"/__start_voice"`. */
  endpoint?: string;
  /** Kill the launcher and answer 500 launcher_failed after this long. Default 180000 (a first start may build the broker). */
  launcherTimeoutMs?: number;
}

/** What the plugin writes on the launcher's stdin (one JSON object, then EOF). */
export interface LauncherInput {
  config: {
    allowedOrigins: string[];
    allowedHosts: string[];
    dashboardTokenHeader: string | null;
    dashboardTokenFile: string | null;
  };
  request: {
    method: "POST";
    /** `req.socket.remoteAddress`, unmapped (e.g. `"::ffff:127.0.0.1"`). */
    peer: string | null;
    /** Every header, lowercase name, every value kept (duplicates visible). */
    headers: Record<string, string[]>;
    /** Raw body as UTF-8, at most 16 KiB; `""` when bodyTooLarge. */
    body: string;
    /** Present (true) only when the body exceeded 16 KiB; the plugin did not read it. */
    bodyTooLarge?: true;
  };
}

/** What the launcher prints on stdout (one JSON object), exiting 0. */
export interface LauncherOutput {
  status: number;
  body: Record<string, unknown>;
}

export const DEFAULT_ENDPOINT: "/__start_voice";
export const MAX_BODY_BYTES: number;

export function redactSecrets(text: unknown, literals?: string[]): string;
export function findVoiceCommand(startDir: string): string | null;
export function loopbackOrigins(port: number, protocol?: "http" | "https"): { allowedOrigins: string[]; allowedHosts: string[] };
export function runLauncher(options: {
  /** The `voice` script, or a fixed argv such as `[java, "-jar", jar]`; "start-request" is appended. */
  command: string | string[];
  cwd: string;
  env: Record<string, string | undefined>;
  input: LauncherInput;
  timeoutMs?: number;
}): Promise<LauncherOutput>;

export default function voiceBroker(options?: VoiceBrokerPluginOptions): Plugin;
