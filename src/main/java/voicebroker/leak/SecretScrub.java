package voicebroker.leak;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.List;
import java.util.function.Predicate;
import voicebroker.config.Secret;

/**
 * Keeps the key and the token out of what the broker sends, without becoming an oracle. A caller who holds the
 * token controls request values, and some come back in answers (a voice is echoed in {@code configured.voice}, a
 * field name in a refusal). If any answer differed because such a value overlapped a secret, the caller could
 * test guesses piece by piece and grow a known prefix into the whole key. So every decision here is one of:
 * <ul>
 *   <li><b>whole secrets only</b> ({@link #carriesWhole}): a caller can trip it only by sending the whole secret,
 *   which tells them nothing they did not know;</li>
 *   <li><b>pieces only in what the request did not bring</b> ({@link #addsPiece}): every request value is blanked
 *   out of the answer first, so what is scanned is text the broker or the upstream added, which the caller cannot
 *   steer. That still catches an upstream (or a proxy) that echoes the key, whole or in pieces.</li>
 *   <li><b>whole secrets in streams</b> ({@link #watch}): audio is bytes, not text a caller's value can be
 *   blanked from, and what a reflecting upstream or proxy puts there is the whole Authorization header.</li>
 * </ul>
 */
public final class SecretScrub {
    /** The shortest piece of a secret that counts: longer than the four characters a masked key shows. */
    static final int PIECE = 8;
    private static final String BLANK = "\u0000";
    private final List<Secret> secrets;
    /** Any secret or any piece of one, in one pass over the text (see {@link Secret#anyIn}). */
    private final Predicate<String> anyPiece;
    /** The secrets as streams look for them, made for the first stream: a broker that never streams never holds them. */
    private volatile List<SecretStreamScan.Needle> needles;

    public SecretScrub(List<Secret> secrets) {
        this.secrets = List.copyOf(secrets);
        this.anyPiece = Secret.anyIn(this.secrets, PIECE);
    }

    /** True when {@code text} holds a whole secret. */
    public boolean carriesWhole(String text) {
        return secrets.stream().anyMatch(secret -> secret.wholeIn(text));
    }

    /**
     * True when {@code answerJson} holds a whole secret, or a piece of one that did not come from
     * {@code requestValues} (the string values of the request's body). Values shorter than a piece cannot bring
     * one and are not blanked, so a caller cannot cut single characters out of a reflected key.
     */
    public boolean addsPiece(String answerJson, Collection<String> requestValues) {
        if (carriesWhole(answerJson)) {
            return true;
        }
        String added = answerJson;
        for (String value : requestValues) {
            String escaped = new String(JsonStringEncoder.getInstance().quoteAsString(value));
            if (escaped.length() >= PIECE) {
                added = added.replace(escaped, BLANK);
            }
        }
        return anyPiece.test(added);
    }

    /** Wraps a stream going to the page so that it is cut before any whole secret passes; see {@link SecretStreamScan}. */
    public SecretStreamScan watch(OutputStream page) {
        return new SecretStreamScan(page, needles());
    }

    private List<SecretStreamScan.Needle> needles() {
        List<SecretStreamScan.Needle> made = needles;
        if (made == null) {
            // The secrets' bytes are compared here, never sent anywhere.
            made = secrets.stream().map(secret -> new SecretStreamScan.Needle(secret.reveal().getBytes(StandardCharsets.UTF_8))).toList();
            needles = made;
        }
        return made;
    }
}
