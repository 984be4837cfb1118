import { defineConfig } from "vite";
import voiceBroker from "@voice-broker/vite-plugin";

// The plugin finds the repo's `voice` script by walking up from this folder (an executable `voice` beside pom.xml)
// and mounts POST /__start_voice. OPENAI_API_KEY / OPENAI_BASE_URL reach the broker from this dev server's
// environment (or the broker's .env); never put them here.
export default defineConfig({
  plugins: [voiceBroker()],
  server: {
    host: "localhost",
    port: 5173,
    fs: {
      // The client library is a linked package outside this folder.
      allow: [".", "../../web/voice-client"],
    },
  },
});
