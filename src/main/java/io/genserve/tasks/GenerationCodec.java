package io.genserve.tasks;

import io.genserve.error.BadInputException;
import io.genserve.model.ClassEncoding;
import io.genserve.model.ModelManifest;
import io.genserve.model.Task;
import io.genserve.model.TensorRole;
import io.genserve.model.TensorSpec;
import io.genserve.runtime.HeapTensor;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.LongStream;
import org.springframework.stereotype.Component;

/**
 * {@code generate}: one item per image, each with its own seed (seed + i), so image i is the same
 * whether it was asked for alone or among others, in any batch. A conditional model asked for no
 * label draws each image's class from its seed.
 */
@Component
final class GenerationCodec implements TaskCodec<GenerateRequest, GenerationCodec.Seeds, GeneratedImages> {
    static final int MAX_COUNT = 64;
    /** Seeds stay below 2^53 so that JSON clients (JavaScript numbers) read them back exactly. */
    static final long MAX_SEED = (1L << 53) - 1;

    @Override
    public Task task() {
        return Task.GENERATE;
    }

    /**
     * What decoding needs: image i has seed {@code firstSeed + i} and class {@code labels[i]}.
     *
     * @param labels the class name of each image, or empty for an unconditional model
     */
    record Seeds(String model, String version, long firstSeed, List<String> labels, TensorSpec output) {}

    @Override
    public Cost cost(GenerateRequest request, ServedModel model) {
        checkCount(request);
        TensorSpec latent = model.manifest().input(TensorRole.LATENT).orElseThrow();
        long outputValues = model.signature()
                .output(model.manifest().imageOutput().name())
                .map(t -> Math.max(0, t.staticSize(1)))
                .orElse(0L);
        int count = request.count();
        long perImage = (latent.latentSize() + outputValues) * Cost.FLOAT;
        // the decoded images wait in the answer until it is encoded
        return new Cost(count, count * outputValues, count * perImage);
    }

    @Override
    public Encoded<Seeds> encode(GenerateRequest request, ServedModel model) {
        ModelManifest m = model.manifest();
        checkCount(request);
        Long seed = request.seed();
        if (seed != null && (seed < 0 || seed > MAX_SEED - MAX_COUNT)) {
            throw new BadInputException("seed", "seed must be 0.." + (MAX_SEED - MAX_COUNT) + ", got " + seed);
        }
        long base = seed != null ? seed : ThreadLocalRandom.current().nextLong(MAX_SEED - MAX_COUNT);
        TensorSpec latent = m.input(TensorRole.LATENT).orElseThrow();
        Double truncation = truncation(request, latent, model.name());
        Integer label = label(request, m, model.name());
        TensorSpec classInput = m.input(TensorRole.CLASS).orElse(null);
        int classRank = classInput == null
                ? 0
                : model.signature().input(classInput.name()).orElseThrow().rank();

        Map<String, HeapTensor> constants = ItemTensors.constants(model, 1);
        List<Map<String, HeapTensor>> items = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        for (long s : LongStream.range(base, base + request.count()).toArray()) {
            Map<String, HeapTensor> feed = new HashMap<>(constants);
            long[] shape = LongStream.concat(
                            LongStream.of(1), latent.shape().stream().mapToLong(Long::longValue))
                    .toArray();
            feed.put(
                    latent.name(),
                    new HeapTensor(
                            latent.dtype(),
                            shape,
                            LatentSampler.sample(s, latent.latentSize(), latent.distribution(), truncation)));
            if (classInput != null) {
                int k = label != null ? label : classFromSeed(s, m.classes().size());
                feed.put(
                        classInput.name(),
                        classTensor(classInput, classRank, k, m.classes().size()));
                labels.add(k);
            }
            items.add(feed);
        }
        List<String> names = labels.stream().map(m.classes()::get).toList();
        return new Encoded<>(items, new Seeds(model.name(), model.version(), base, names, m.imageOutput()));
    }

    @Override
    public GeneratedImages decode(Seeds seeds, List<Map<String, HeapTensor>> outputs) {
        List<GeneratedImages.Image> images = new ArrayList<>();
        for (int i = 0; i < outputs.size(); i++) {
            String name = seeds.labels().isEmpty() ? null : seeds.labels().get(i);
            images.add(new GeneratedImages.Image(
                    seeds.firstSeed() + i, name, ItemTensors.decode(seeds.model(), outputs.get(i), seeds.output())));
        }
        return new GeneratedImages(seeds.model(), seeds.version(), images);
    }

    @Override
    public GenerateRequest warmUpRequest(ServedModel model) {
        return new GenerateRequest(model.name(), 1, 0L, null, null, null);
    }

    private static void checkCount(GenerateRequest request) {
        if (request.count() < 1 || request.count() > MAX_COUNT) {
            throw new BadInputException("count", "count must be 1.." + MAX_COUNT + ", got " + request.count());
        }
    }

    private static Double truncation(GenerateRequest request, TensorSpec latent, String model) {
        Double t = request.truncation();
        if (t == null) {
            return null;
        }
        if (!latent.truncation()) {
            throw new BadInputException("truncation", "model '" + model + "' does not support truncation");
        }
        if (!(t >= 0.05 && t <= 10)) {
            throw new BadInputException("truncation", "truncation must be between 0.05 and 10, got " + t);
        }
        return t;
    }

    private static Integer label(GenerateRequest request, ModelManifest m, String model) {
        boolean hasLabel = request.label() != null && !request.label().isBlank();
        boolean hasPrompt = request.prompt() != null && !request.prompt().isBlank();
        if (hasLabel && hasPrompt) {
            throw new BadInputException("prompt", "give either label or prompt, not both");
        }
        if ((hasLabel || hasPrompt) && !m.isConditional()) {
            throw new BadInputException(
                    hasLabel ? "label" : "prompt",
                    "model '" + model + "' is unconditional: it takes no label or prompt");
        }
        if (hasLabel) {
            return ClassLabels.fromLabel(request.label(), m.classes());
        }
        return hasPrompt ? ClassLabels.fromPrompt(request.prompt(), m.classes()) : null;
    }

    private static int classFromSeed(long seed, int classes) {
        return (int) Math.floorMod(new LatentSampler.SplitMix64(~seed).nextLong(), (long) classes);
    }

    private static HeapTensor classTensor(TensorSpec spec, int rank, int k, int classes) {
        if (spec.encoding() == ClassEncoding.ONE_HOT) {
            float[] v = new float[classes];
            v[k] = 1;
            return new HeapTensor(spec.dtype(), new long[] {1, classes}, v);
        }
        return new HeapTensor(spec.dtype(), rank == 2 ? new long[] {1, 1} : new long[] {1}, new float[] {k});
    }
}
