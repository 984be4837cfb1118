// The one redaction of @voice-broker/client and @voice-broker/vite-plugin: whatever either shows a person
// (an error message, a dev server log line) passes through here first.

/** Masks anything that looks like an OpenAI key (sk-...), a client secret (ek_...) or a bearer credential. */
export function redact(text) {
  return String(text)
    .replace(/Bearer\s+[A-Za-z0-9._~+/=-]+/gi, "Bearer …")
    .replace(/sk-[A-Za-z0-9_-]+/g, "sk-…")
    .replace(/ek_[A-Za-z0-9_-]+/g, "ek_…");
}

/** A loggable stand-in for a secret: "ek_…", "sk-…", or "…". Never returns any part of the secret itself. */
export function maskSecret(secret) {
  const s = String(secret ?? "");
  if (s.startsWith("ek_")) return "ek_…";
  if (s.startsWith("sk-")) return "sk-…";
  return s ? "…" : "";
}

/** {@link redact}, after replacing each of the given literal secrets (8 characters or more) by its mask. */
export function redactWith(text, literals) {
  let out = String(text);
  for (const secret of literals) {
    if (typeof secret !== "string" || secret.length < 8) continue;
    out = out.split(secret).join(maskSecret(secret));
  }
  return redact(out);
}
