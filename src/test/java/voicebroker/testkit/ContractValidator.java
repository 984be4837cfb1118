package voicebroker.testkit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Checks JSON bodies against the component schemas of the OpenAI contract that ships on the classpath
 * ({@value #CONTRACT_RESOURCE}), so tests can say "this is what OpenAI accepts" instead of hand-written asserts.
 *
 * <p>The contract is an OpenAPI 3.1 document; its schemas are JSON Schema 2020-12 plus a few OpenAPI words
 * ({@code discriminator}, {@code nullable}, {@code x-oai*}). Those extra words are annotations here and never
 * make a body invalid. Everything is static and thread-safe: the document and each compiled schema are loaded once.
 */
public final class ContractValidator {

    /** Where the contract sits on the classpath (copied from src/main/resources). */
    public static final String CONTRACT_RESOURCE = "/contract/openai-realtime-subset.yaml";

    // Trailing tokens ("{} junk") are an error, as they are for the real API's parser.
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    // Plain JSON Schema 2020-12 on purpose, not the library's OpenAPI 3.1 dialect: that dialect switches on
    // OpenAPI-style `discriminator` checks, and the contract's discriminators have no `mapping`, so implicit
    // mapping by schema name would reject valid bodies such as {"type":"realtime"}. Under 2020-12,
    // `discriminator`, `nullable` and `x-oai*` are unknown keywords: logged at most, never violations.
    private static final JsonSchemaFactory FACTORY = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012);

    private static final Map<String, JsonSchema> COMPILED = new ConcurrentHashMap<>();

    private ContractValidator() {
    }

    /** Validates a body against {@code #/components/schemas/<schemaName>}; an empty list means valid. */
    public static List<String> validate(String schemaName, JsonNode body) {
        Set<ValidationMessage> messages = schema(schemaName).validate(body);
        List<String> result = new ArrayList<>();
        for (ValidationMessage message : messages) {
            result.add(message.getMessage());
        }
        return result;
    }

    /** Like {@link #validate(String, JsonNode)}, for raw text; text that is not JSON is one violation. */
    public static List<String> validate(String schemaName, String json) {
        try {
            JsonNode body = JSON.readTree(json);
            if (body == null || body.isMissingNode()) {
                return List.of("body is empty");
            }
            return validate(schemaName, body);
        } catch (JsonProcessingException notJson) {
            return List.of("body is not JSON: " + notJson.getOriginalMessage());
        }
    }

    /** Throws an {@link AssertionError} that lists every violation, so a failing test says exactly what broke. */
    public static void assertValid(String schemaName, JsonNode body) {
        List<String> violations = validate(schemaName, body);
        if (!violations.isEmpty()) {
            throw new AssertionError("body does not match " + schemaName + ": " + violations + "\nbody: " + body);
        }
    }

    /** Like {@link #assertValid(String, JsonNode)}, for raw text. */
    public static void assertValid(String schemaName, String json) {
        List<String> violations = validate(schemaName, json);
        if (!violations.isEmpty()) {
            throw new AssertionError("body does not match " + schemaName + ": " + violations + "\nbody: " + json);
        }
    }

    /** True when the body has no violations. */
    public static boolean isValid(String schemaName, JsonNode body) {
        return validate(schemaName, body).isEmpty();
    }

    /** The names under components/schemas, e.g. to check a name before using it. */
    public static Set<String> schemaNames() {
        return Document.SCHEMA_NAMES;
    }

    /** The whole contract document, parsed (read-only by convention). */
    public static JsonNode contract() {
        return Document.CONTRACT;
    }

    private static JsonSchema schema(String schemaName) {
        if (!schemaNames().contains(schemaName)) {
            throw new IllegalArgumentException("no schema named '" + schemaName + "' in " + CONTRACT_RESOURCE
                    + "; known: " + schemaNames());
        }
        return COMPILED.computeIfAbsent(schemaName, ContractValidator::compile);
    }

    private static JsonSchema compile(String schemaName) {
        // The fragment makes $ref "#/components/schemas/..." resolve against the whole document.
        String location = "classpath:" + CONTRACT_RESOURCE.substring(1) + "#/components/schemas/" + schemaName;
        JsonSchema schema = FACTORY.getSchema(SchemaLocation.of(location));
        // Resolve every $ref now, so concurrent validations later only read.
        schema.initializeValidators();
        return schema;
    }

    /** Holder idiom: the YAML is parsed on first use, once, by the class loader's own locking. */
    private static final class Document {
        static final JsonNode CONTRACT = load();
        static final Set<String> SCHEMA_NAMES = namesOf(CONTRACT);

        private static JsonNode load() {
            try (InputStream in = ContractValidator.class.getResourceAsStream(CONTRACT_RESOURCE)) {
                if (in == null) {
                    throw new IllegalStateException(CONTRACT_RESOURCE + " is not on the classpath");
                }
                return new YAMLMapper().readTree(in);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + CONTRACT_RESOURCE, e);
            }
        }

        private static Set<String> namesOf(JsonNode contract) {
            Set<String> names = new TreeSet<>();
            Iterator<String> it = contract.path("components").path("schemas").fieldNames();
            it.forEachRemaining(names::add);
            return Collections.unmodifiableSet(names);
        }
    }
}
