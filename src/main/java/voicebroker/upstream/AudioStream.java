package voicebroker.upstream;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.SocketTimeoutException;
import java.time.Duration;

/**
 * A successful streamed audio answer from the upstream. {@link #copyTo} moves it to the caller chunk by chunk
 * (never the whole body in memory), and gives up when the upstream stalls: every read on the upstream socket
 * is bounded by the stall timeout.
 */
public final class AudioStream implements AutoCloseable {
    private static final int CHUNK = 16 * 1024;
    private final String contentType;
    private final InputStream body;
    private final Duration stallTimeout;
    /** Drops the upstream connection: closing an unfinished body would otherwise read the rest of it first. */
    private final Runnable abort;
    private boolean finished;

    AudioStream(String contentType, InputStream body, Duration stallTimeout, Runnable abort) {
        this.contentType = contentType;
        this.body = body;
        this.stallTimeout = stallTimeout;
        this.abort = abort;
    }

    public String contentType() {
        return contentType;
    }

    /**
     * Copies the stream, flushing each chunk so the first bytes reach the page at once.
     *
     * @return bytes copied
     * @throws IOException when the upstream breaks or stalls, or the caller goes away
     */
    public long copyTo(OutputStream out) throws IOException {
        byte[] buffer = new byte[CHUNK];
        long total = 0;
        try {
            int n;
            while ((n = body.read(buffer)) >= 0) {
                out.write(buffer, 0, n);
                out.flush();
                total += n;
            }
        } catch (SocketTimeoutException e) {
            throw new IOException("the upstream stalled for more than " + stallTimeout.toSeconds() + " s", e);
        }
        finished = true;
        return total;
    }

    @Override
    public void close() throws IOException {
        if (finished) {
            body.close();
        } else {
            abort.run();
        }
    }
}
