package dev.moeplatform.rag.answers;

import dev.moeplatform.contracts.identity.PlatformIdentity;
import dev.moeplatform.rag.collections.Collections;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Size;
import java.util.Map;
import java.util.UUID;
import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Flux;

@RestController
@Tag(name = "Answers")
class AskController {

    /**
     * A question: {@code stream} true answers as server-sent events ({@code delta} events with text, then one
     * {@code answer} event with the whole answer and its citations, or an {@code error} event).
     */
    record AskRequest(@NotBlank @Size(max = 4000) String question, @Size(max = 200) String model,
            @Min(1) @Max(20) Integer topK, @Min(1) @Max(4096) Integer maxTokens, Boolean stream) {
    }

    private final Collections collections;
    private final GroundedAnswers answers;

    AskController(Collections collections, GroundedAnswers answers) {
        this.collections = collections;
        this.answers = answers;
    }

    @PostMapping(path = "/v1/rag/collections/{collection}/ask", produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "Answer a question from the collection, citing the passages used")
    Object ask(PlatformIdentity caller, @PathVariable String collection, @Valid @RequestBody AskRequest request) {
        UUID id = collections.require(caller.tenant(), collection).id();
        GroundedAnswers.Question question = new GroundedAnswers.Question(request.question(), request.model(),
                request.topK() == null ? 5 : request.topK(), request.maxTokens());
        if (!Boolean.TRUE.equals(request.stream())) {
            return answers.ask(caller, id, question);
        }
        Flux<ServerSentEvent<Object>> events = answers.stream(caller, id, question)
                .map(event -> ServerSentEvent.builder(event)
                        .event(event instanceof GroundedAnswers.Delta ? "delta" : "answer").build())
                .onErrorResume(e -> Flux.just(ServerSentEvent.<Object>builder(Map.of("message",
                        e.getMessage() == null ? e.toString() : e.getMessage())).event("error").build()));
        return org.springframework.http.ResponseEntity.ok().contentType(MediaType.TEXT_EVENT_STREAM).body(events);
    }
}
