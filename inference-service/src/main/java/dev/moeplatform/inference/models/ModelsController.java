package dev.moeplatform.inference.models;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.util.List;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

/** OpenAI's {@code /v1/models}, with each model's backend and context length added as extra fields. */
@RestController
@Tag(name = "Models")
public class ModelsController {

    private final ModelCatalog catalog;

    public ModelsController(ModelCatalog catalog) {
        this.catalog = catalog;
    }

    @GetMapping("/v1/models")
    @Operation(summary = "List the models this platform serves")
    public ModelList list() {
        return new ModelList("list", catalog.all().stream().map(this::describe).toList());
    }

    @GetMapping("/v1/models/{id}")
    @Operation(summary = "Describe one model")
    public ModelCard get(@PathVariable String id) {
        return describe(catalog.require(id));
    }

    private ModelCard describe(ServedModel model) {
        return new ModelCard(model.id(), "model", catalog.createdEpochSeconds(), model.ownedBy(),
                model.listedBackend().wireName(), model.contextLength());
    }

    public record ModelList(String object, List<ModelCard> data) {
    }

    public record ModelCard(
            String id,
            String object,
            long created,
            @JsonProperty("owned_by") String ownedBy,
            String backend,
            @JsonProperty("context_length") int contextLength) {
    }
}
