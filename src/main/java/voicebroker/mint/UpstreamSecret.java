package voicebroker.mint;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;

/**
 * What a mint reads from the upstream's answer, streamed: the secret, its expiry and the few session fields the
 * page is told about; everything else (the echoed instructions, tools, audio formats) is skipped unread. A member
 * given twice counts as given last, as in a tree, and a member of the wrong type counts as absent.
 *
 * @param value    the top-level {@code value}, else {@code client_secret.value}; empty when neither is a string
 * @param expiresAt the top-level {@code expires_at} when given, else {@code client_secret.expires_at}; 0 when it is
 *                 not a whole number of seconds a {@code long} holds
 */
record UpstreamSecret(String value, long expiresAt, Session session) {

    /** The session as the upstream echoed it: what the page actually got, not what was asked. */
    record Session(String model, boolean instructions, String vad, String transcription, String voice) {
        static final Session NONE = new Session(null, false, null, null, null);
    }

    static UpstreamSecret read(JsonParser parser) throws IOException {
        String value = null; // JSON null or absent: the nested one counts
        String nestedValue = "";
        long expiresAt = 0;
        boolean expiresGiven = false;
        long nestedExpiresAt = 0;
        Session session = Session.NONE;
        for (JsonToken token = parser.nextToken(); token == JsonToken.FIELD_NAME; token = parser.nextToken()) {
            String name = parser.currentName();
            JsonToken member = parser.nextToken();
            switch (name) {
                case "value" -> value = member == JsonToken.VALUE_NULL ? null : string(parser, member, "");
                case "expires_at" -> {
                    expiresGiven = true;
                    expiresAt = seconds(parser, member);
                }
                case "client_secret" -> {
                    nestedValue = "";
                    nestedExpiresAt = 0;
                    for (JsonToken inner = member == JsonToken.START_OBJECT ? parser.nextToken() : skip(parser);
                         inner == JsonToken.FIELD_NAME; inner = parser.nextToken()) {
                        String innerName = parser.currentName();
                        JsonToken innerMember = parser.nextToken();
                        if (innerName.equals("value")) {
                            nestedValue = string(parser, innerMember, "");
                        } else if (innerName.equals("expires_at")) {
                            nestedExpiresAt = seconds(parser, innerMember);
                        } else {
                            parser.skipChildren();
                        }
                    }
                }
                case "session" -> session = member == JsonToken.START_OBJECT ? session(parser) : skipped(parser, Session.NONE);
                default -> parser.skipChildren();
            }
        }
        return new UpstreamSecret(value != null ? value : nestedValue, expiresGiven ? expiresAt : nestedExpiresAt, session);
    }

    private static Session session(JsonParser parser) throws IOException {
        String model = null;
        boolean instructions = false;
        String vad = null;
        String transcription = null;
        String voice = null;
        for (JsonToken token = parser.nextToken(); token == JsonToken.FIELD_NAME; token = parser.nextToken()) {
            String name = parser.currentName();
            JsonToken member = parser.nextToken();
            switch (name) {
                case "model" -> model = string(parser, member, null);
                case "instructions" -> instructions = member == JsonToken.VALUE_STRING ? !blank(parser) : skipped(parser, false);
                case "audio" -> {
                    vad = null;
                    transcription = null;
                    voice = null;
                    for (JsonToken side = member == JsonToken.START_OBJECT ? parser.nextToken() : skip(parser);
                         side == JsonToken.FIELD_NAME; side = parser.nextToken()) {
                        String sideName = parser.currentName();
                        JsonToken sideMember = parser.nextToken();
                        if (sideName.equals("input")) {
                            String[] input = input(parser, sideMember);
                            vad = input[0];
                            transcription = input[1];
                        } else if (sideName.equals("output")) {
                            voice = voice(parser, sideMember);
                        } else {
                            parser.skipChildren();
                        }
                    }
                }
                default -> parser.skipChildren();
            }
        }
        return new Session(model, instructions, vad, transcription, voice);
    }

    /** {@code audio.input}: the turn detection's {@code type} and the transcription's {@code model}. */
    private static String[] input(JsonParser parser, JsonToken member) throws IOException {
        String[] found = new String[2];
        for (JsonToken token = member == JsonToken.START_OBJECT ? parser.nextToken() : skip(parser);
             token == JsonToken.FIELD_NAME; token = parser.nextToken()) {
            String name = parser.currentName();
            JsonToken inner = parser.nextToken();
            if (name.equals("turn_detection")) {
                found[0] = member(parser, inner, "type");
            } else if (name.equals("transcription")) {
                found[1] = member(parser, inner, "model");
            } else {
                parser.skipChildren();
            }
        }
        return found;
    }

    /** {@code audio.output.voice}: a name, or an object with the custom voice's {@code id}. */
    private static String voice(JsonParser parser, JsonToken member) throws IOException {
        String voice = null;
        for (JsonToken token = member == JsonToken.START_OBJECT ? parser.nextToken() : skip(parser);
             token == JsonToken.FIELD_NAME; token = parser.nextToken()) {
            String name = parser.currentName();
            JsonToken inner = parser.nextToken();
            if (name.equals("voice")) {
                voice = inner == JsonToken.START_OBJECT ? member(parser, inner, "id") : string(parser, inner, null);
            } else {
                parser.skipChildren();
            }
        }
        return voice;
    }

    /** The string member {@code wanted} of the object that starts at {@code token}; null when it is absent or no string. */
    private static String member(JsonParser parser, JsonToken token, String wanted) throws IOException {
        String found = null;
        for (JsonToken inner = token == JsonToken.START_OBJECT ? parser.nextToken() : skip(parser);
             inner == JsonToken.FIELD_NAME; inner = parser.nextToken()) {
            boolean isWanted = parser.currentName().equals(wanted);
            JsonToken value = parser.nextToken();
            if (isWanted) {
                found = string(parser, value, null);
            } else {
                parser.skipChildren();
            }
        }
        return found;
    }

    /** The text of a string member; {@code otherwise} (after skipping it) for any other kind of value. */
    private static String string(JsonParser parser, JsonToken token, String otherwise) throws IOException {
        if (token == JsonToken.VALUE_STRING) {
            return parser.getText();
        }
        parser.skipChildren();
        return otherwise;
    }

    /** A whole number of seconds; 0 for anything else (a positive expiry is checked later). */
    private static long seconds(JsonParser parser, JsonToken token) throws IOException {
        if (token == JsonToken.VALUE_NUMBER_INT && parser.getNumberType() != JsonParser.NumberType.BIG_INTEGER) {
            return parser.getLongValue();
        }
        if (token == JsonToken.VALUE_NUMBER_FLOAT) {
            double seconds = parser.getDoubleValue();
            return seconds >= Long.MIN_VALUE && seconds <= Long.MAX_VALUE ? (long) seconds : 0;
        }
        parser.skipChildren();
        return 0;
    }

    /** True when the current string is empty or white space only, read in place: instructions can be long. */
    private static boolean blank(JsonParser parser) throws IOException {
        char[] text = parser.getTextCharacters();
        for (int i = parser.getTextOffset(), end = i + parser.getTextLength(); i < end; i++) {
            if (!Character.isWhitespace(text[i])) {
                return false;
            }
        }
        return true;
    }

    /** Skips a value that is not the object a loop expected, and ends that loop. */
    private static JsonToken skip(JsonParser parser) throws IOException {
        parser.skipChildren();
        return null;
    }

    private static <T> T skipped(JsonParser parser, T value) throws IOException {
        parser.skipChildren();
        return value;
    }
}
