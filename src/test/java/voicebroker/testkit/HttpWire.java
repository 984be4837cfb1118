package voicebroker.testkit;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The small part of HTTP/1.1 framing that both the fake server and the raw client need: lines, header blocks,
 * and bodies framed by Content-Length, chunked encoding or connection close. Bytes are read as ISO-8859-1 so
 * odd octets survive unchanged into the text a test looks at.
 */
final class HttpWire {

    /** Longest line we accept; a fake must not be tricked into unbounded buffering either. */
    static final int MAX_LINE = 64 * 1024;
    static final int MAX_HEADER_FIELDS = 200;

    private HttpWire() {
    }

    /** Reads one line without its CRLF (a bare LF also ends it); null when the stream ends before any byte. */
    static String readLine(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        int b = in.read();
        if (b < 0) {
            return null;
        }
        while (b >= 0 && b != '\n') {
            if (line.length() >= MAX_LINE) {
                throw new IOException("line longer than " + MAX_LINE + " bytes");
            }
            line.append((char) b);
            b = in.read();
        }
        if (b < 0) {
            throw new EOFException("stream ended inside a line: " + line);
        }
        int end = line.length();
        if (end > 0 && line.charAt(end - 1) == '\r') {
            line.setLength(end - 1);
        }
        return line.toString();
    }

    /** Reads header fields up to the empty line that ends them. */
    static HeaderList readHeaderFields(InputStream in) throws IOException {
        List<Map.Entry<String, String>> fields = new ArrayList<>();
        for (String line = readLine(in); ; line = readLine(in)) {
            if (line == null) {
                throw new EOFException("stream ended inside the header block");
            }
            if (line.isEmpty()) {
                return new HeaderList(fields);
            }
            if (fields.size() >= MAX_HEADER_FIELDS) {
                throw new IOException("more than " + MAX_HEADER_FIELDS + " header fields");
            }
            fields.add(parseField(line));
        }
    }

    private static Map.Entry<String, String> parseField(String line) throws IOException {
        int colon = line.indexOf(':');
        if (colon <= 0) {
            throw new IOException("malformed header field: " + line);
        }
        return new AbstractMap.SimpleImmutableEntry<>(line.substring(0, colon), line.substring(colon + 1).trim());
    }

    /** True when Transfer-Encoding names chunked (which wins over Content-Length, as RFC 9112 says). */
    static boolean isChunked(HeaderList headers) {
        for (String value : headers.all("Transfer-Encoding")) {
            if (value.toLowerCase(Locale.ROOT).contains("chunked")) {
                return true;
            }
        }
        return false;
    }

    /** The Content-Length value, or -1 when absent; throws on a malformed or conflicting value. */
    static long contentLength(HeaderList headers) throws IOException {
        List<String> values = headers.all("Content-Length");
        if (values.isEmpty()) {
            return -1;
        }
        long length = parseLength(values.get(0));
        for (String other : values) {
            if (parseLength(other) != length) {
                throw new IOException("conflicting Content-Length values: " + values);
            }
        }
        return length;
    }

    private static long parseLength(String value) throws IOException {
        try {
            long length = Long.parseLong(value.trim());
            if (length < 0) {
                throw new IOException("negative Content-Length: " + value);
            }
            return length;
        } catch (NumberFormatException e) {
            throw new IOException("malformed Content-Length: " + value, e);
        }
    }

    /** Reads exactly {@code length} bytes. */
    static byte[] readFixed(InputStream in, long length, long max) throws IOException {
        if (length > max) {
            throw new IOException("body of " + length + " bytes is over the limit of " + max);
        }
        byte[] body = in.readNBytes((int) length);
        if (body.length < length) {
            throw new EOFException("body ended after " + body.length + " of " + length + " bytes");
        }
        return body;
    }

    /** Reads a chunked body, trailers included (and dropped). */
    static byte[] readChunked(InputStream in, long max) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        while (true) {
            String sizeLine = readLine(in);
            if (sizeLine == null) {
                throw new EOFException("stream ended before the last chunk");
            }
            long size = parseChunkSize(sizeLine);
            if (size == 0) {
                readHeaderFields(in); // trailers, if any, end with an empty line
                return body.toByteArray();
            }
            if (body.size() + size > max) {
                throw new IOException("chunked body is over the limit of " + max + " bytes");
            }
            body.write(readFixed(in, size, max));
            String crlf = readLine(in);
            if (crlf == null || !crlf.isEmpty()) {
                throw new IOException("chunk not followed by CRLF");
            }
        }
    }

    private static long parseChunkSize(String line) throws IOException {
        int semicolon = line.indexOf(';'); // chunk extensions are legal and ignored
        String hex = (semicolon >= 0 ? line.substring(0, semicolon) : line).trim();
        try {
            return Long.parseLong(hex, 16);
        } catch (NumberFormatException e) {
            throw new IOException("malformed chunk size: " + line, e);
        }
    }

    /** Reads until the peer closes (the framing of a response without length). */
    static byte[] readToEnd(InputStream in, long max) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
            body.write(buffer, 0, n);
            if (body.size() > max) {
                throw new IOException("body is over the limit of " + max + " bytes");
            }
        }
        return body.toByteArray();
    }

    static byte[] latin1(String text) {
        return text.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** The usual reason phrase; the fake and tests only need the common ones. */
    static String reasonPhrase(int status) {
        switch (status) {
            case 100: return "Continue";
            case 200: return "OK";
            case 201: return "Created";
            case 204: return "No Content";
            case 301: return "Moved Permanently";
            case 302: return "Found";
            case 307: return "Temporary Redirect";
            case 308: return "Permanent Redirect";
            case 400: return "Bad Request";
            case 401: return "Unauthorized";
            case 403: return "Forbidden";
            case 404: return "Not Found";
            case 405: return "Method Not Allowed";
            case 413: return "Payload Too Large";
            case 415: return "Unsupported Media Type";
            case 429: return "Too Many Requests";
            case 500: return "Internal Server Error";
            case 502: return "Bad Gateway";
            case 503: return "Service Unavailable";
            case 504: return "Gateway Timeout";
            default: return "Status " + status;
        }
    }
}
