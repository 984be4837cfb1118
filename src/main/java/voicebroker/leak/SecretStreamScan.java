package voicebroker.leak;

import java.io.IOException;
import java.io.OutputStream;
import java.util.List;

/**
 * Passes a stream through while watching it for whole secrets, across chunk boundaries, without buffering the
 * stream: it holds back only the last {@code longest - 1} bytes, which could be the start of a secret the next
 * chunk completes. When a secret turns up, everything before it is passed on and nothing of it or after it; the
 * write fails with {@link SecretFound}, so the caller cuts the stream there. The page gets the same bytes however
 * the stream was split into chunks.
 */
public final class SecretStreamScan extends OutputStream {
    private final OutputStream out;
    private final List<byte[]> secrets;
    private final byte[] held;
    private int heldCount;
    private boolean tripped;

    SecretStreamScan(OutputStream out, List<byte[]> secrets) {
        this.out = out;
        this.secrets = List.copyOf(secrets);
        this.held = new byte[secrets.stream().mapToInt(s -> s.length).max().orElse(1) - 1];
    }

    /** A secret of this broker was about to go out in a stream. */
    public static final class SecretFound extends IOException {
        SecretFound() {
            super("the stream carried a secret of this broker", null);
        }
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] bytes, int offset, int length) throws IOException {
        if (tripped) {
            throw new SecretFound();
        }
        byte[] window = new byte[heldCount + length];
        System.arraycopy(held, 0, window, 0, heldCount);
        System.arraycopy(bytes, offset, window, heldCount, length);
        int found = firstSecretAt(window);
        if (found >= 0) {
            tripped = true;
            heldCount = 0;
            out.write(window, 0, found);
            throw new SecretFound();
        }
        int keep = Math.min(held.length, window.length);
        out.write(window, 0, window.length - keep);
        System.arraycopy(window, window.length - keep, held, 0, keep);
        heldCount = keep;
    }

    /** Flushes what is passed on; the held bytes wait for the next chunk or the end of the stream. */
    @Override
    public void flush() throws IOException {
        out.flush();
    }

    /** Ends the stream: the held bytes go out unless a secret was found, then the underlying stream closes. */
    @Override
    public void close() throws IOException {
        try {
            if (!tripped && heldCount > 0) {
                out.write(held, 0, heldCount);
                heldCount = 0;
            }
        } finally {
            out.close();
        }
    }

    /** Where the first secret starts in {@code window}, or -1. */
    private int firstSecretAt(byte[] window) {
        int first = -1;
        for (byte[] secret : secrets) {
            int at = indexOf(window, secret);
            if (at >= 0 && (first < 0 || at < first)) {
                first = at;
            }
        }
        return first;
    }

    private static int indexOf(byte[] data, byte[] pattern) {
        outer:
        for (int i = 0; i + pattern.length <= data.length; i++) {
            for (int j = 0; j < pattern.length; j++) {
                if (data[i + j] != pattern[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
