package voicebroker.leak;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.List;

/**
 * Passes a stream through while watching it for whole secrets, across chunk boundaries, without buffering the
 * stream: it holds back only the last {@code longest - 1} bytes, which could be the start of a secret the next
 * chunk completes. When a secret turns up, everything before it is passed on and nothing of it or after it; the
 * write fails with {@link SecretFound}, so the caller cuts the stream there. The page gets the same bytes however
 * the stream was split into chunks.
 *
 * <p>It runs on every byte of every stream, so it allocates nothing per chunk (indexed loops: the broker's
 * compiler does not remove an iterator) and skips through the bytes (see {@link Needle}): a scan that compared
 * at every position made the copy CPU-bound.
 */
public final class SecretStreamScan extends OutputStream {
    private final OutputStream out;
    private final Needle[] secrets;
    /** The last bytes written and not yet passed on: they could be the start of a secret. */
    private final byte[] held;
    private int heldCount;
    /** Room for the held bytes and the start of the next chunk, where a secret split between two writes shows. */
    private final byte[] seam;
    private boolean tripped;

    SecretStreamScan(OutputStream out, List<Needle> secrets) {
        this.out = out;
        this.secrets = secrets.toArray(Needle[]::new);
        int longest = secrets.stream().mapToInt(secret -> secret.secret.length).max().orElse(1);
        this.held = new byte[longest - 1];
        this.seam = new byte[2 * held.length];
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

    /** The window is the held bytes followed by these; all of it but its last {@code longest - 1} bytes goes out. */
    @Override
    public void write(byte[] bytes, int offset, int length) throws IOException {
        if (tripped) {
            throw new SecretFound();
        }
        int found = firstSecretAt(bytes, offset, length);
        if (found >= 0) {
            tripped = true;
            passOn(bytes, offset, found);
            heldCount = 0;
            throw new SecretFound();
        }
        int keep = Math.min(held.length, heldCount + length);
        passOn(bytes, offset, heldCount + length - keep);
        hold(bytes, offset, length, keep);
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

    /** Where in the window (held bytes, then these) the first whole secret starts, or -1. */
    private int firstSecretAt(byte[] bytes, int offset, int length) {
        int first = -1;
        if (heldCount > 0) {
            int more = Math.min(length, held.length);
            System.arraycopy(held, 0, seam, 0, heldCount);
            System.arraycopy(bytes, offset, seam, heldCount, more);
            for (int i = 0; i < secrets.length; i++) {
                int at = secrets[i].firstIn(seam, 0, heldCount + more);
                if (at >= 0 && at < heldCount) {
                    first = earlier(first, at);
                }
            }
        }
        for (int i = 0; i < secrets.length; i++) {
            int at = secrets[i].firstIn(bytes, offset, length);
            if (at >= 0) {
                first = earlier(first, heldCount + at);
            }
        }
        return first;
    }

    private static int earlier(int first, int at) {
        return first < 0 ? at : Math.min(first, at);
    }

    /** Passes on the first {@code count} bytes of the window. */
    private void passOn(byte[] bytes, int offset, int count) throws IOException {
        int fromHeld = Math.min(heldCount, count);
        if (fromHeld > 0) {
            out.write(held, 0, fromHeld);
        }
        if (count > fromHeld) {
            out.write(bytes, offset, count - fromHeld);
        }
    }

    /** Keeps the window's last {@code keep} bytes. */
    private void hold(byte[] bytes, int offset, int length, int keep) {
        if (length >= keep) {
            System.arraycopy(bytes, offset + length - keep, held, 0, keep);
        } else {
            int fromHeld = keep - length;
            System.arraycopy(held, heldCount - fromHeld, held, 0, fromHeld);
            System.arraycopy(bytes, offset, held, fromHeld, length);
        }
        heldCount = keep;
    }

    /**
     * One secret, ready to be looked for: a skip table over pairs of bytes (Horspool's rule, read two bytes at a
     * time). The pair under the secret's last two positions says how far the secret can move without missing a
     * match; a pair the secret does not hold moves it by its length less one. Pairs rather than single bytes so
     * that no run of one byte value (silence in PCM, a fill) can hold the scan to a step at a time: a single byte
     * of a key or token is common in audio, a pair from it is not. Pairs are hashed into 4 096 slots, each keeping
     * the smallest move of the pairs that share it, which can only make a move shorter, never skip a match.
     */
    static final class Needle {
        private static final int SLOTS = 4096;
        private final byte[] secret;
        private final short[] move;
        /** The move after a failed comparison where the last pair matched. */
        private final int moveAfterMiss;

        Needle(byte[] secret) {
            if (secret.length == 0 || secret.length > Short.MAX_VALUE) {
                throw new IllegalArgumentException("a secret to look for is 1 to 32 767 bytes long");
            }
            this.secret = secret.clone();
            int last = secret.length - 1;
            this.move = new short[SLOTS];
            Arrays.fill(move, (short) Math.max(1, last));
            for (int p = 1; p < last; p++) {
                move[slot(secret[p - 1], secret[p])] = (short) (last - p);
            }
            int lastSlot = last == 0 ? 0 : slot(secret[last - 1], secret[last]);
            this.moveAfterMiss = move[lastSlot];
            move[lastSlot] = 0;
        }

        private static int slot(byte first, byte second) {
            return ((first & 0xff) << 4 ^ second & 0xff) & (SLOTS - 1);
        }

        /** The first start of the secret in {@code data[from, from + length)}, relative to {@code from}, or -1. */
        int firstIn(byte[] data, int from, int length) {
            if (secret.length == 1) {
                return firstByteIn(data, from, length);
            }
            int last = secret.length - 1;
            for (int at = from, end = from + length - secret.length; at <= end; ) {
                int step = move[slot(data[at + last - 1], data[at + last])];
                if (step > 0) {
                    at += step;
                } else if (startsAt(data, at)) {
                    return at - from;
                } else {
                    at += moveAfterMiss;
                }
            }
            return -1;
        }

        private int firstByteIn(byte[] data, int from, int length) {
            for (int at = from; at < from + length; at++) {
                if (data[at] == secret[0]) {
                    return at - from;
                }
            }
            return -1;
        }

        private boolean startsAt(byte[] data, int at) {
            for (int i = 0; i < secret.length; i++) {
                if (data[at + i] != secret[i]) {
                    return false;
                }
            }
            return true;
        }
    }
}
