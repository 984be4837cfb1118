package voicebroker.server;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.util.Iterator;
import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.ContentLengthStrategy;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpException;
import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.http.HttpMessage;
import org.apache.hc.core5.http.HttpRequestFactory;
import org.apache.hc.core5.http.MessageConstraintException;
import org.apache.hc.core5.http.ParseException;
import org.apache.hc.core5.http.ProtocolException;
import org.apache.hc.core5.http.config.Http1Config;
import org.apache.hc.core5.http.impl.io.DefaultHttpRequestParser;
import org.apache.hc.core5.http.io.HttpMessageParserFactory;
import org.apache.hc.core5.http.io.HttpTransportMetrics;
import org.apache.hc.core5.http.io.SessionInputBuffer;
import org.apache.hc.core5.http.message.BasicClassicHttpRequest;
import org.apache.hc.core5.http.message.BasicLineParser;
import org.apache.hc.core5.util.CharArrayBuffer;
import voicebroker.net.Ascii;

/**
 * How a request's head is read: as it arrived, bounded as a whole, and with one unambiguous body length.
 * HttpCore parses the lines; these rules are the broker's:
 * <ul>
 *   <li>The target is kept exactly as sent (HttpCore would parse it into a URI and rebuild it), so the routes and the
 *       log see what the client wrote, and an absolute-form or odd target stays recognisable.</li>
 *   <li>Every line of the head ends in CRLF: HttpCore also takes a bare LF, which other readers take as part of a
 *       line; such a request gets no answer, as it is not HTTP/1.1.</li>
 *   <li>The whole head, request line included, is bounded in bytes, not only each line and the number of lines:
 *       otherwise a client may make the broker hold count × line length per connection.</li>
 *   <li>The request line is exactly {@code METHOD SP target SP HTTP/d.d}, and header names are tokens: HttpCore
 *       itself takes runs of spaces and names with spaces in them, which another reader would split differently.</li>
 *   <li>A body's length is declared once, one way: two {@code Content-Length}s, or one beside a
 *       {@code Transfer-Encoding}, or a coding other than chunked, are refused instead of guessed.</li>
 * </ul>
 */
final class RequestHead {
    /** Which ASCII characters a token may hold: visible ones but the delimiters (a table: this runs per header). */
    private static final boolean[] TOKEN = new boolean[128];

    static {
        for (char c = '!'; c < 127; c++) {
            TOKEN[c] = "()<>@,;:\\\"/[]?={}".indexOf(c) < 0;
        }
    }

    private RequestHead() {
    }

    /** Parses request heads of at most {@code maxBytes}, counting every line and its line end. */
    static HttpMessageParserFactory<ClassicHttpRequest> parser(Http1Config config, int maxBytes) {
        return ignoredDefaults -> new BoundedParser(config, maxBytes);
    }

    /** The body length rule: one declaration, and only the codings the broker reads. */
    static ContentLengthStrategy lengths() {
        return RequestHead::length;
    }

    private static long length(HttpMessage message) throws HttpException {
        Header length = null;
        Header coding = null;
        for (Iterator<Header> headers = message.headerIterator(); headers.hasNext(); ) {
            Header header = headers.next();
            if (header.getName().equalsIgnoreCase("Content-Length")) {
                if (length != null || coding != null) {
                    throw new ProtocolException("the body's length is declared more than once");
                }
                length = header;
            } else if (header.getName().equalsIgnoreCase("Transfer-Encoding")) {
                if (length != null || coding != null) {
                    throw new ProtocolException("the body's length is declared more than once");
                }
                coding = header;
            }
        }
        if (coding != null) {
            if (!coding.getValue().trim().equalsIgnoreCase("chunked")) {
                throw new ProtocolException("the only transfer coding read is chunked");
            }
            return ContentLengthStrategy.CHUNKED;
        }
        if (length == null) {
            return ContentLengthStrategy.UNDEFINED;
        }
        if (!Ascii.digits(length.getValue(), 1, 18)) { // no sign, no spaces, nothing a long cannot take
            throw new ProtocolException("Content-Length is not a number of bytes");
        }
        return Long.parseLong(length.getValue());
    }

    /**
     * Exactly {@code METHOD SP target SP HTTP/d.d}: HttpCore itself also takes runs of spaces, which a client means
     * no differently but which a strict reader elsewhere would split another way; so it is refused.
     */
    private static boolean wellFormed(CharArrayBuffer line) {
        int first = line.indexOf(' ');
        int second = first < 0 ? -1 : line.indexOf(' ', first + 1, line.length());
        if (first <= 0 || second <= first + 1 || line.indexOf(' ', second + 1, line.length()) >= 0) {
            return false;
        }
        if (!token(line, 0, first) || Ascii.hasInvisible(line, first + 1, second)) {
            return false;
        }
        String version = line.subSequence(second + 1, line.length()).toString();
        return version.length() == 8 && version.startsWith("HTTP/") && Ascii.digit(version.charAt(5))
                && version.charAt(6) == '.' && Ascii.digit(version.charAt(7));
    }

    /** RFC 9110's token: visible ASCII except the delimiters. */
    private static boolean token(CharSequence text, int from, int to) {
        for (int i = from; i < to; i++) {
            char c = text.charAt(i);
            if (c >= 128 || !TOKEN[c]) {
                return false;
            }
        }
        return to > from;
    }

    private static final class BoundedParser extends DefaultHttpRequestParser {
        private final int maxBytes;

        BoundedParser(Http1Config config, int maxBytes) {
            super(config, new TokenNames(), new RawTargets());
            this.maxBytes = maxBytes;
        }

        @Override
        public ClassicHttpRequest parse(SessionInputBuffer buffer, InputStream in) throws IOException, HttpException {
            return super.parse(new Counting(buffer, maxBytes), in);
        }

        @Override
        protected ClassicHttpRequest createMessage(CharArrayBuffer line) throws IOException, HttpException {
            if (!wellFormed(line)) {
                throw new ProtocolException("the request line is not 'METHOD target HTTP/1.x'");
            }
            return super.createMessage(line);
        }
    }

    /** Header lines whose name is a token: HttpCore itself takes spaces in names ({@code Bad Name: x}). */
    private static final class TokenNames extends BasicLineParser {
        @Override
        public Header parseHeader(CharArrayBuffer line) throws ParseException {
            int colon = line.indexOf(':');
            if (colon <= 0 || !token(line, 0, colon)) {
                throw new ParseException("a header name is not a token");
            }
            return super.parseHeader(line);
        }
    }

    /** Requests that keep their target as sent: HttpCore's own factory parses it into a URI, per request. */
    private static final class RawTargets implements HttpRequestFactory<ClassicHttpRequest> {
        @Override
        public ClassicHttpRequest newHttpRequest(String method, String target) {
            return new BasicClassicHttpRequest(method, (HttpHost) null, target);
        }

        @Override
        public ClassicHttpRequest newHttpRequest(String method, URI target) {
            return new BasicClassicHttpRequest(method, target);
        }
    }

    /** The connection's input buffer, counting the bytes of the head's lines and checking their ends as they are read. */
    private static final class Counting implements SessionInputBuffer {
        private final SessionInputBuffer buffer;
        private final int maxBytes;
        private int bytes;

        Counting(SessionInputBuffer buffer, int maxBytes) {
            this.buffer = buffer;
            this.maxBytes = maxBytes;
        }

        @Override
        public int readLine(CharArrayBuffer line, InputStream in) throws IOException {
            int before = line.length();
            long consumedBefore = consumed();
            int read = buffer.readLine(line, in);
            long used = consumed() - consumedBefore;
            if (read >= 0 && used != line.length() - before + 2) {
                throw new IOException("a line of the request head does not end in CRLF"); // no answer: not HTTP/1.1
            }
            bytes += used;
            if (bytes > maxBytes) {
                throw new MessageConstraintException("the request head is larger than " + maxBytes + " bytes");
            }
            return read;
        }

        /** Bytes taken from the connection so far: what was read from the socket less what still waits in the buffer. */
        private long consumed() {
            return buffer.getMetrics().getBytesTransferred() - buffer.length();
        }

        @Override
        public int length() {
            return buffer.length();
        }

        @Override
        public int capacity() {
            return buffer.capacity();
        }

        @Override
        public int available() {
            return buffer.available();
        }

        @Override
        public int read(byte[] b, int off, int len, InputStream in) throws IOException {
            return buffer.read(b, off, len, in);
        }

        @Override
        public int read(byte[] b, InputStream in) throws IOException {
            return buffer.read(b, in);
        }

        @Override
        public int read(InputStream in) throws IOException {
            return buffer.read(in);
        }

        @Override
        public HttpTransportMetrics getMetrics() {
            return buffer.getMetrics();
        }
    }
}
