package dev.moeplatform.inference.embeddings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.openai.errors.BadRequestException;
import com.openai.errors.NotFoundException;
import com.openai.models.embeddings.CreateEmbeddingResponse;
import com.openai.models.embeddings.Embedding;
import com.openai.models.embeddings.EmbeddingCreateParams;
import com.openai.models.embeddings.EmbeddingCreateParams.EncodingFormat;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The service as OpenAI's own Java SDK sees it. */
class EmbeddingsSdkTest extends EmbeddingsTestBase {

    private static final String CAT = "The cat sits on the mat";
    private static final String CAT_AGAIN = "A cat is sitting on a mat";
    private static final String REVENUE = "Quarterly revenue grew by 12%";

    @Test
    void embedsAStringAs384UnitLengthFloats() {
        CreateEmbeddingResponse response = create(EmbeddingCreateParams.builder().input(CAT), EncodingFormat.FLOAT);

        assertThat(response.model()).isEqualTo(MODEL);
        assertThat(response.data()).hasSize(1);
        Embedding embedding = response.data().getFirst();
        assertThat(embedding.index()).isZero();
        assertThat(embedding.embeddingValue().isFloats()).isTrue();
        assertThat(embedding.embedding()).hasSize(384);
        assertThat(norm(embedding.embedding())).isCloseTo(1.0, within(1e-5));
        // [CLS] the cat sits on the mat [SEP]
        assertThat(response.usage().promptTokens()).isEqualTo(8).isEqualTo(response.usage().totalTokens());
    }

    @Test
    void matchesTheSentenceTransformersReference() {
        // sentence-transformers' all-MiniLM-L6-v2 (mean pooling, then Normalize) gives 0.0676569, 0.0634959, 0.0487131
        List<Float> vector = create(EmbeddingCreateParams.builder().input("This is an example sentence"),
                EncodingFormat.FLOAT).data().getFirst().embedding();

        assertThat(vector.subList(0, 3)).satisfiesExactly(
                x -> assertThat(x).isCloseTo(0.0676569f, within(1e-5f)),
                x -> assertThat(x).isCloseTo(0.0634959f, within(1e-5f)),
                x -> assertThat(x).isCloseTo(0.0487131f, within(1e-5f)));
    }

    @Test
    void embedsAListInOrderWithMeaningfulSimilarities() {
        CreateEmbeddingResponse response = create(
                EmbeddingCreateParams.builder().inputOfArrayOfStrings(List.of(CAT, CAT_AGAIN, REVENUE)),
                EncodingFormat.FLOAT);

        assertThat(response.data()).extracting(Embedding::index).containsExactly(0L, 1L, 2L);
        List<List<Float>> vectors = response.data().stream().map(Embedding::embedding).toList();
        assertThat(vectors).allSatisfy(vector -> {
            assertThat(vector).hasSize(384);
            assertThat(norm(vector)).isCloseTo(1.0, within(1e-5));
        });
        double similar = cosine(vectors.get(0), vectors.get(1));
        double unrelated = cosine(vectors.get(0), vectors.get(2));
        assertThat(similar).isGreaterThan(unrelated + 0.3);
        // Each input alone gives the same vector as within the batch (padding must not leak into the pooling).
        List<Float> alone = create(EmbeddingCreateParams.builder().input(REVENUE), EncodingFormat.FLOAT)
                .data().getFirst().embedding();
        assertThat(cosine(alone, vectors.get(2))).isCloseTo(1.0, within(1e-5));
    }

    @Test
    void base64IsTheLittleEndianFloat32BytesOfTheSameFloats() {
        List<String> inputs = List.of(CAT, REVENUE);
        CreateEmbeddingResponse floats = create(EmbeddingCreateParams.builder().inputOfArrayOfStrings(inputs),
                EncodingFormat.FLOAT);
        CreateEmbeddingResponse base64 = create(EmbeddingCreateParams.builder().inputOfArrayOfStrings(inputs),
                EncodingFormat.BASE64);

        for (int i = 0; i < inputs.size(); i++) {
            String encoded = base64.data().get(i).embeddingValue().base64().orElseThrow();
            ByteBuffer bytes = ByteBuffer.wrap(Base64.getDecoder().decode(encoded)).order(ByteOrder.LITTLE_ENDIAN);
            assertThat(bytes.remaining()).isEqualTo(384 * Float.BYTES);
            List<Float> decoded = new ArrayList<>();
            while (bytes.hasRemaining()) {
                decoded.add(bytes.getFloat());
            }
            assertThat(decoded).isEqualTo(floats.data().get(i).embedding());
            assertThat(base64.data().get(i).embedding()).isEqualTo(decoded); // the SDK's own decoding agrees
        }
        assertThat(base64.usage()).isEqualTo(floats.usage());
    }

    @Test
    void usageCountsTheModelsTokensSpecialTokensIncluded() throws Exception {
        List<String> inputs = List.of(CAT, "Übermäßig lange Komposita, émigrés and naïve café-goers!", "a".repeat(300));
        long expected = 0;
        try (InputStream json = getClass().getResourceAsStream("/all-minilm-l6-v2-tokenizer.json");
             HuggingFaceTokenizer tokenizer = HuggingFaceTokenizer.newInstance(json, Map.of("truncation", "false"))) {
            for (String input : inputs) {
                expected += tokenizer.encode(input).getIds().length;
            }
        }

        CreateEmbeddingResponse response = create(EmbeddingCreateParams.builder().inputOfArrayOfStrings(inputs),
                EncodingFormat.BASE64);

        assertThat(response.usage().promptTokens()).isEqualTo(expected);
        assertThat(response.usage().totalTokens()).isEqualTo(expected);
    }

    @Test
    void concurrentRequestsGetTheSameVectorsAsSequentialOnes() throws Exception {
        List<String> texts = IntStream.range(0, 100).mapToObj(i -> "Sentence number " + i + " about topic " + i % 7)
                .toList(); // more than one batch of 64
        List<Float> first = create(EmbeddingCreateParams.builder().input(texts.getFirst()), EncodingFormat.FLOAT)
                .data().getFirst().embedding();
        try (ExecutorService pool = Executors.newFixedThreadPool(4)) {
            List<Future<CreateEmbeddingResponse>> results = IntStream.range(0, 4).mapToObj(i -> pool.submit(() ->
                    create(EmbeddingCreateParams.builder().inputOfArrayOfStrings(texts), EncodingFormat.BASE64)))
                    .toList();
            for (Future<CreateEmbeddingResponse> result : results) {
                List<Embedding> data = result.get().data();
                assertThat(data).hasSize(100);
                assertThat(data).extracting(Embedding::index).containsExactlyElementsOf(
                        IntStream.range(0, 100).mapToObj(i -> (long) i).toList());
                assertThat(cosine(data.getFirst().embedding(), first)).isCloseTo(1.0, within(1e-5));
                assertThat(data.get(99).embedding()).isEqualTo(results.getFirst().get().data().get(99).embedding());
            }
        }
    }

    @Test
    void sdkSeesOpenAiErrors() {
        assertThatThrownBy(() -> openAi.embeddings().create(
                EmbeddingCreateParams.builder().model("text-embedding-3-small").input(CAT).build()))
                .isInstanceOfSatisfying(NotFoundException.class, e -> {
                    assertThat(e.code()).contains("model_not_found");
                    assertThat(e.param()).contains("model");
                });
        assertThatThrownBy(() -> openAi.embeddings().create(
                EmbeddingCreateParams.builder().model(MODEL).inputOfArrayOfTokens(List.of(101L, 102L)).build()))
                .isInstanceOfSatisfying(BadRequestException.class, e -> assertThat(e.param()).contains("input"));
    }

    private CreateEmbeddingResponse create(EmbeddingCreateParams.Builder params, EncodingFormat format) {
        return openAi.embeddings().create(params.model(MODEL).encodingFormat(format).build());
    }

    private static double norm(List<Float> vector) {
        return Math.sqrt(dot(vector, vector));
    }

    private static double cosine(List<Float> a, List<Float> b) {
        return dot(a, b) / (norm(a) * norm(b));
    }

    private static double dot(List<Float> a, List<Float> b) {
        double sum = 0;
        for (int i = 0; i < a.size(); i++) {
            sum += (double) a.get(i) * b.get(i);
        }
        return sum;
    }
}
