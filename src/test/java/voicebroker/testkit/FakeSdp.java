package voicebroker.testkit;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Makes an SDP answer that mirrors an offer's media sections (same mids, a codec the offer listed), the way the
 * Realtime API answers a browser. A browser accepts it in setRemoteDescription; no media ever flows, which is
 * fine for tests of the signalling path.
 */
final class FakeSdp {

    private static final SecureRandom RANDOM = new SecureRandom();

    private FakeSdp() {
    }

    /** True when the text looks like an SDP offer at all (the real API rejects anything else). */
    static boolean looksLikeSdp(String text) {
        return text.startsWith("v=0");
    }

    static String answerFor(String offer) {
        List<MediaSection> sections = MediaSection.parseAll(offer);
        String ufrag = hex(4);
        String pwd = hex(12);
        String fingerprint = fingerprint();
        StringBuilder answer = new StringBuilder();
        line(answer, "v=0");
        line(answer, "o=- " + Math.abs(RANDOM.nextLong()) + " 2 IN IP4 127.0.0.1");
        line(answer, "s=-");
        line(answer, "t=0 0");
        line(answer, "a=group:BUNDLE" + bundledMids(sections));
        line(answer, "a=msid-semantic: WMS *");
        for (MediaSection section : sections) {
            section.appendAnswer(answer, ufrag, pwd, fingerprint);
        }
        return answer.toString();
    }

    private static String bundledMids(List<MediaSection> sections) {
        StringBuilder mids = new StringBuilder();
        for (MediaSection section : sections) {
            if (section.isAccepted()) {
                mids.append(' ').append(section.mid);
            }
        }
        return mids.toString();
    }

    private static void line(StringBuilder sdp, String text) {
        sdp.append(text).append("\r\n");
    }

    private static String hex(int bytes) {
        byte[] random = new byte[bytes];
        RANDOM.nextBytes(random);
        return HexFormat.of().formatHex(random);
    }

    private static String fingerprint() {
        byte[] random = new byte[32];
        RANDOM.nextBytes(random);
        return HexFormat.ofDelimiter(":").withUpperCase().formatHex(random);
    }

    /** One "m=" section of the offer, with what the answer needs from it. */
    private static final class MediaSection {
        final String media;
        final String proto;
        final String firstFormat;
        final String mid;
        final String direction;
        final List<String> codecLines = new ArrayList<>();

        private MediaSection(String mLine, List<String> attributes, int index) {
            String[] parts = mLine.substring(2).split(" ");
            this.media = parts[0];
            this.proto = parts.length > 2 ? parts[2] : "UDP/TLS/RTP/SAVPF";
            this.firstFormat = parts.length > 3 ? parts[3] : "0";
            this.mid = attribute(attributes, "mid:", String.valueOf(index));
            this.direction = directionOf(attributes);
            for (String attribute : attributes) {
                if (attribute.startsWith("a=rtpmap:" + firstFormat + " ")
                        || attribute.startsWith("a=fmtp:" + firstFormat + " ")) {
                    codecLines.add(attribute);
                }
            }
        }

        static List<MediaSection> parseAll(String offer) {
            List<MediaSection> sections = new ArrayList<>();
            String mLine = null;
            List<String> attributes = new ArrayList<>();
            for (String line : offer.split("\r?\n")) {
                if (line.startsWith("m=")) {
                    if (mLine != null) {
                        sections.add(new MediaSection(mLine, attributes, sections.size()));
                    }
                    mLine = line;
                    attributes = new ArrayList<>();
                } else if (mLine != null) {
                    attributes.add(line);
                }
            }
            if (mLine != null) {
                sections.add(new MediaSection(mLine, attributes, sections.size()));
            }
            return sections;
        }

        /** We answer audio and data channels, like the Realtime API; video is rejected with port 0. */
        boolean isAccepted() {
            return media.equals("audio") || media.equals("application");
        }

        void appendAnswer(StringBuilder sdp, String ufrag, String pwd, String fingerprint) {
            if (!isAccepted()) {
                line(sdp, "m=" + media + " 0 " + proto + " " + firstFormat);
                line(sdp, "a=mid:" + mid);
                return;
            }
            line(sdp, "m=" + media + " 9 " + proto + " " + firstFormat);
            line(sdp, "c=IN IP4 0.0.0.0");
            line(sdp, "a=ice-ufrag:" + ufrag);
            line(sdp, "a=ice-pwd:" + pwd);
            line(sdp, "a=fingerprint:sha-256 " + fingerprint);
            line(sdp, "a=setup:active");
            line(sdp, "a=mid:" + mid);
            if (media.equals("application")) {
                line(sdp, "a=sctp-port:5000");
                line(sdp, "a=max-message-size:1073741823");
                return;
            }
            line(sdp, "a=" + direction);
            line(sdp, "a=rtcp-mux");
            codecLines.forEach(codec -> line(sdp, codec));
        }

        private static String attribute(List<String> attributes, String name, String fallback) {
            for (String attribute : attributes) {
                if (attribute.startsWith("a=" + name)) {
                    return attribute.substring(2 + name.length()).trim();
                }
            }
            return fallback;
        }

        /** The answer's direction mirrors the offer's (sendonly becomes recvonly, and so on). */
        private static String directionOf(List<String> attributes) {
            if (attributes.contains("a=sendonly")) {
                return "recvonly";
            }
            if (attributes.contains("a=recvonly")) {
                return "sendonly";
            }
            if (attributes.contains("a=inactive")) {
                return "inactive";
            }
            return "sendrecv";
        }
    }
}
