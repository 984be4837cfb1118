package voicebroker.testkit;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * A response the fake will write: status, headers, and a body that is produced on demand (so a 50 MB body never
 * sits in memory) and written in pieces of {@code pieceBytes} with {@code pieceDelay} between them (so tests can
 * watch streaming). Immutable; the {@code with...} methods return changed copies, and a canned response can be
 * written any number of times because each write opens a fresh body stream.
 */
final class FakeResponse {

    final int status;
    final List<Map.Entry<String, String>> headers;
    /** Body length in bytes, or -1 to send it chunked. */
    final long length;
    final Supplier<InputStream> body;
    final int pieceBytes;
    final Duration pieceDelay;

    private FakeResponse(int status, List<Map.Entry<String, String>> headers, long length,
                         Supplier<InputStream> body, int pieceBytes, Duration pieceDelay) {
        this.status = status;
        this.headers = List.copyOf(headers);
        this.length = length;
        this.body = body;
        this.pieceBytes = pieceBytes;
        this.pieceDelay = pieceDelay;
    }

    static FakeResponse bytes(int status, String contentType, byte[] content) {
        byte[] copy = content.clone();
        FakeResponse response = new FakeResponse(status, List.of(), copy.length,
                () -> new ByteArrayInputStream(copy), 16 * 1024, Duration.ZERO);
        return contentType == null ? response : response.withHeader("Content-Type", contentType);
    }

    static FakeResponse text(int status, String contentType, String content) {
        return bytes(status, contentType, content.getBytes(StandardCharsets.UTF_8));
    }

    static FakeResponse json(int status, String json) {
        return text(status, "application/json", json);
    }

    static FakeResponse empty(int status) {
        return bytes(status, null, new byte[0]);
    }

    /** A body of {@code length} bytes made on the fly: prefix, then filler, then suffix. */
    static FakeResponse generated(int status, String contentType, long length, byte[] prefix, byte filler,
                                  byte[] suffix) {
        return new FakeResponse(status, List.of(), length,
                () -> new GeneratedStream(length, prefix, filler, suffix), 64 * 1024, Duration.ZERO)
                .withHeader("Content-Type", contentType);
    }

    FakeResponse withHeader(String name, String value) {
        List<Map.Entry<String, String>> more = new ArrayList<>(headers);
        more.add(new AbstractMap.SimpleImmutableEntry<>(name, value));
        return new FakeResponse(status, more, length, body, pieceBytes, pieceDelay);
    }

    FakeResponse withPacing(int newPieceBytes, Duration newPieceDelay) {
        return new FakeResponse(status, headers, length, body, Math.max(1, newPieceBytes), newPieceDelay);
    }

    /** Same body, sent with chunked encoding instead of a Content-Length. */
    FakeResponse chunked() {
        return new FakeResponse(status, headers, -1, body, pieceBytes, pieceDelay);
    }

    boolean isChunked() {
        return length < 0;
    }

    String header(String name) {
        return new HeaderList(headers).first(name);
    }

    /** Streams {@code length} bytes: prefix, filler, suffix, without holding them. */
    static final class GeneratedStream extends InputStream {
        private final long length;
        private final byte[] prefix;
        private final byte filler;
        private final byte[] suffix;
        private long position;

        GeneratedStream(long length, byte[] prefix, byte filler, byte[] suffix) {
            this.length = length;
            this.prefix = prefix.clone();
            this.filler = filler;
            this.suffix = suffix.clone();
        }

        @Override
        public int read() {
            if (position >= length) {
                return -1;
            }
            int b = byteAt(position) & 0xff;
            position++;
            return b;
        }

        @Override
        public int read(byte[] buffer, int offset, int count) {
            if (position >= length) {
                return -1;
            }
            int n = (int) Math.min(count, length - position);
            for (int i = 0; i < n; i++) {
                buffer[offset + i] = byteAt(position + i);
            }
            position += n;
            return n;
        }

        private byte byteAt(long index) {
            if (index < prefix.length) {
                return prefix[(int) index];
            }
            long fromEnd = length - index;
            if (fromEnd <= suffix.length) {
                return suffix[(int) (suffix.length - fromEnd)];
            }
            return filler;
        }
    }
}
