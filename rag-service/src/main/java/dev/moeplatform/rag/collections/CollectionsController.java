package dev.moeplatform.rag.collections;

import dev.moeplatform.contracts.identity.PlatformIdentity;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Size;
import java.net.URI;
import java.util.List;
import java.util.Map;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/** Collections of the calling tenant. */
@RestController
@RequestMapping("/v1/rag/collections")
@Tag(name = "Collections")
class CollectionsController {

    record CreateCollection(@NotBlank @Size(max = 100) String name, @Size(max = 2000) String description) {
    }

    private final Collections collections;

    CollectionsController(Collections collections) {
        this.collections = collections;
    }

    @PostMapping
    @Operation(summary = "Create a collection (names are unique per tenant)")
    ResponseEntity<Collection> create(PlatformIdentity caller, @Valid @RequestBody CreateCollection request) {
        Collection created = collections.create(caller.tenant(), request.name().strip(), request.description());
        return ResponseEntity.created(URI.create("/v1/rag/collections/" + created.id())).body(created);
    }

    @GetMapping
    @Operation(summary = "List the tenant's collections")
    Map<String, List<Collection>> list(PlatformIdentity caller) {
        return Map.of("data", collections.list(caller.tenant()));
    }

    @GetMapping("/{collection}")
    @Operation(summary = "One collection with its document and chunk counts")
    Collection get(PlatformIdentity caller, @PathVariable String collection) {
        return collections.require(caller.tenant(), collection);
    }

    @DeleteMapping("/{collection}")
    @Operation(summary = "Delete a collection with all its documents and chunks")
    ResponseEntity<Void> delete(PlatformIdentity caller, @PathVariable String collection) {
        collections.delete(caller.tenant(), collection);
        return ResponseEntity.noContent().build();
    }
}
