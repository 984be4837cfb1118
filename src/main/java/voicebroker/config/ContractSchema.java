package voicebroker.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.util.List;

/**
 * A component schema of the OpenAI contract shipped in the jar ({@code contract/openai-realtime-subset.yaml},
 * a verbatim extract of the official OpenAPI document). Used at start-up to check user session templates, so a
 * bad template is a clear start-up error rather than an upstream 400 on every mint.
 */
public final class ContractSchema {
    public static final String RESOURCE = "contract/openai-realtime-subset.yaml";
    private final JsonSchema schema;

    private ContractSchema(JsonSchema schema) {
        this.schema = schema;
    }

    public static ContractSchema component(String name) {
        JsonSchemaFactory factory = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012);
        SchemaLocation location = SchemaLocation.of("classpath:" + RESOURCE + "#/components/schemas/" + name);
        return new ContractSchema(factory.getSchema(location));
    }

    /** The violations, each as "path: message"; empty when the document satisfies the schema. */
    public List<String> violations(JsonNode document) {
        return schema.validate(document).stream().map(ValidationMessage::getMessage).sorted().toList();
    }
}
