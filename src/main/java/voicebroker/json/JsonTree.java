package voicebroker.json;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;

/**
 * JSON trees read and written with Jackson's streaming parser, generator and node factory only: everything the
 * broker, the launcher and the short-lived commands read or write is a tree or a map of plain values, which needs
 * no data binding. An object mapper's set-up (a few hundred classes, and the JDK's locale data for its date
 * format) would sit on the way to readiness, in every process's memory and in every command's run time.
 */
public final class JsonTree {
    private static final JsonFactory FACTORY = new JsonFactory();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private JsonTree() {
    }

    /** The tree of one JSON document (a missing node when there is none); a syntax error or trailing content is an IOException. */
    public static JsonNode parse(String json) throws IOException {
        try (JsonParser parser = FACTORY.createParser(json)) {
            return document(parser);
        }
    }

    /** {@link #parse(String)} for UTF-8 bytes. */
    public static JsonNode parse(byte[] json) throws IOException {
        return parse(FACTORY, json);
    }

    /** {@link #parse(byte[])} with a parser from {@code factory}, whose features and limits apply. */
    public static JsonNode parse(JsonFactory factory, byte[] json) throws IOException {
        try (JsonParser parser = factory.createParser(json)) {
            return document(parser);
        }
    }

    /**
     * Reads one JSON object's members from a parser standing on the object's {@code START_OBJECT}, and leaves it on
     * the matching {@code END_OBJECT}: what the reader does not keep it skips ({@link JsonParser#skipChildren}),
     * which still checks the syntax but makes no tree and no strings.
     */
    @FunctionalInterface
    public interface ObjectReader<T> {
        T read(JsonParser parser) throws IOException;
    }

    /** The reader that keeps the whole object, as a tree. */
    public static final ObjectReader<ObjectNode> OBJECT = parser -> (ObjectNode) value(parser, JsonToken.START_OBJECT);

    /**
     * What {@code reader} takes from the one JSON document in {@code json}, streamed; empty when the document is
     * valid JSON but not an object, or there is none. A syntax error anywhere or content after the document is an
     * IOException, as for {@link #parse}.
     */
    public static <T> Optional<T> readObject(byte[] json, ObjectReader<T> reader) throws IOException {
        try (JsonParser parser = FACTORY.createParser(json)) {
            JsonToken first = parser.nextToken();
            if (first == null) {
                return Optional.empty();
            }
            T read = null;
            if (first == JsonToken.START_OBJECT) {
                read = reader.read(parser);
            } else {
                parser.skipChildren(); // an array still has to be valid JSON
            }
            if (parser.nextToken() != null) {
                throw new JsonParseException(parser, "content after the JSON document");
            }
            return Optional.ofNullable(read);
        }
    }

    /**
     * A value that writes itself as JSON, field by field, for answers made on every request: no map or tree in
     * between. {@link #bytes} and the other writers take it wherever they take a map.
     */
    public interface Writable {
        void writeTo(JsonGenerator generator) throws IOException;
    }

    /** An empty object to fill. */
    public static ObjectNode objectNode() {
        return NODES.objectNode();
    }

    private static JsonNode document(JsonParser parser) throws IOException {
        JsonToken first = parser.nextToken();
        if (first == null) {
            return MissingNode.getInstance(); // as ObjectMapper.readTree answers
        }
        JsonNode tree = value(parser, first);
        if (parser.nextToken() != null) {
            throw new JsonParseException(parser, "content after the JSON document");
        }
        return tree;
    }

    /**
     * A tree, or plain values (strings, numbers, booleans, null, and collections, string-keyed maps and trees of
     * them), as compact JSON in UTF-8: byte for byte what an object mapper writes for them.
     */
    public static byte[] bytes(Object value) {
        return encode(value, false);
    }

    /** {@link #bytes(Object)} as text. */
    public static String text(Object value) {
        return new String(bytes(value), StandardCharsets.UTF_8);
    }

    /** {@link #bytes(Object)}, indented, for files people read too. */
    public static byte[] pretty(Object value) {
        return encode(value, true);
    }

    private static byte[] encode(Object value, boolean pretty) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator generator = FACTORY.createGenerator(out, JsonEncoding.UTF8)) {
            if (pretty) {
                generator.useDefaultPrettyPrinter();
            }
            writePlain(generator, value);
        } catch (IOException e) {
            throw new UncheckedIOException("JSON values always write to memory", e);
        }
        return out.toByteArray();
    }

    private static void writePlain(JsonGenerator generator, Object value) throws IOException {
        if (value instanceof Map<?, ?> map) {
            generator.writeStartObject();
            for (Map.Entry<?, ?> field : map.entrySet()) {
                generator.writeFieldName((String) field.getKey());
                writePlain(generator, field.getValue());
            }
            generator.writeEndObject();
        } else if (value instanceof Collection<?> list) {
            generator.writeStartArray();
            for (Object element : list) {
                writePlain(generator, element);
            }
            generator.writeEndArray();
        } else if (value instanceof JsonNode node) {
            write(generator, node);
        } else if (value instanceof Writable writable) {
            writable.writeTo(generator);
        } else if (value == null || value instanceof String || value instanceof Number || value instanceof Boolean) {
            generator.writeObject(value); // the generator writes these simple values itself
        } else {
            throw new IllegalArgumentException("not a plain JSON value: " + value.getClass().getName());
        }
    }

    private static void write(JsonGenerator generator, JsonNode node) throws IOException {
        if (node.isObject()) {
            generator.writeStartObject();
            for (Iterator<Map.Entry<String, JsonNode>> fields = node.fields(); fields.hasNext(); ) {
                Map.Entry<String, JsonNode> field = fields.next();
                generator.writeFieldName(field.getKey());
                write(generator, field.getValue());
            }
            generator.writeEndObject();
        } else if (node.isArray()) {
            generator.writeStartArray();
            for (JsonNode element : node) {
                write(generator, element);
            }
            generator.writeEndArray();
        } else if (node.isTextual()) {
            generator.writeString(node.textValue());
        } else if (node.isNumber()) {
            writeNumber(generator, node);
        } else if (node.isBoolean()) {
            generator.writeBoolean(node.booleanValue());
        } else if (node.isNull() || node.isMissingNode()) { // a mapper writes a missing node as null too
            generator.writeNull();
        } else {
            throw new IllegalArgumentException("not a JSON value node: " + node.getNodeType());
        }
    }

    /** Each kind of number as the generator writes it (a double's NaN, for one, is quoted as a mapper quotes it). */
    private static void writeNumber(JsonGenerator generator, JsonNode number) throws IOException {
        switch (number.numberType()) {
            case INT -> generator.writeNumber(number.intValue());
            case LONG -> generator.writeNumber(number.longValue());
            case BIG_INTEGER -> generator.writeNumber(number.bigIntegerValue());
            case FLOAT -> generator.writeNumber(number.floatValue());
            case DOUBLE -> generator.writeNumber(number.doubleValue());
            default -> generator.writeNumber(number.decimalValue());
        }
    }

    private static JsonNode value(JsonParser parser, JsonToken token) throws IOException {
        switch (token) {
            case START_OBJECT: {
                ObjectNode object = NODES.objectNode();
                for (JsonToken next = parser.nextToken(); next == JsonToken.FIELD_NAME; next = parser.nextToken()) {
                    String name = parser.currentName();
                    object.set(name, value(parser, parser.nextToken()));
                }
                return object;
            }
            case START_ARRAY: {
                ArrayNode array = NODES.arrayNode();
                for (JsonToken next = parser.nextToken(); next != JsonToken.END_ARRAY; next = parser.nextToken()) {
                    array.add(value(parser, next));
                }
                return array;
            }
            case VALUE_STRING:
                return NODES.textNode(parser.getText());
            case VALUE_NUMBER_INT:
                return integer(parser);
            case VALUE_NUMBER_FLOAT:
                return NODES.numberNode(parser.getDoubleValue());
            case VALUE_TRUE:
            case VALUE_FALSE:
                return NODES.booleanNode(token == JsonToken.VALUE_TRUE);
            case VALUE_NULL:
                return NODES.nullNode();
            default:
                throw new IOException("unexpected JSON token " + token);
        }
    }

    /** The narrowest node that holds the number, as ObjectMapper.readTree makes it. */
    private static JsonNode integer(JsonParser parser) throws IOException {
        switch (parser.getNumberType()) {
            case INT:
                return NODES.numberNode(parser.getIntValue());
            case LONG:
                return NODES.numberNode(parser.getLongValue());
            default:
                return NODES.numberNode(parser.getBigIntegerValue());
        }
    }
}
