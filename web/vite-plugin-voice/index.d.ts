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
   * Exact origins allowed to start the broker and to call it (they become the broker's VOICE_ALLOWED_ORIGINS).
   * Default: this dev server's own `http(s)://localhost|127.0.0.1|[::1]:<port>`.
   */
  allowedOrigins?: string[];
  /** Extra non-secret environment for the launcher. Keys and secrets are refused: they come from the environment. */
  env?: Record<string, string>;
  /** Route to serve. Default `"/__start_voice"`. */
  endpoint?: string;
  /** Answer 500 launcher_failed when the launcher has not answered a request after this long. Default 180000 (a first start may build the broker). */
  launcherTimeoutMs?: number;
}

export default function voiceBroker(options?: VoiceBrokerPluginOptions): Plugin;
