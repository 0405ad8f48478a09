package io.genserve.model;

import static io.genserve.model.SignatureCheckTest.t;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class SignatureInferenceTest {
    final SignatureInference inference = new SignatureInference();

    @Test
    void aDcganGeneratorIsRecognisedAndItsAssumptionsReported() {
        SignatureInference.Derived d = inference.derive(new ModelSignature(
                List.of(t("z", DType.FLOAT32, -1, 100, 1, 1)), List.of(t("img", DType.FLOAT32, -1, 3, 64, 64))));
        assertThat(d.manifest().task()).isEqualTo(Task.GENERATE);
        assertThat(d.manifest().input(TensorRole.LATENT).orElseThrow().shape()).containsExactly(100L, 1L, 1L);
        assertThat(d.manifest().imageOutput().range()).isEqualTo(new ValueRange(-1, 1));
        assertThat(d.choices())
                .anyMatch(c ->
                        c.setting().equals("inputs.z.distribution") && c.value().equals("normal"))
                .anyMatch(c ->
                        c.setting().equals("outputs.img.range") && c.evidence().contains("tanh"));
        assertThat(new SignatureCheck()
                        .problems(
                                d.manifest(),
                                new ModelSignature(
                                        List.of(t("z", DType.FLOAT32, -1, 100, 1, 1)),
                                        List.of(t("img", DType.FLOAT32, -1, 3, 64, 64)))))
                .isEmpty();
    }

    @Test
    void anImageAndAOneChannelInputMakeAnInpainterWithUint8Ranges() {
        SignatureInference.Derived d = inference.derive(new ModelSignature(
                List.of(t("image", DType.UINT8, 1, 512, 512, 3), t("mask", DType.UINT8, 1, 512, 512, 1)),
                List.of(t("out", DType.UINT8, 1, 512, 512, 3))));
        assertThat(d.manifest().task()).isEqualTo(Task.INPAINT);
        assertThat(d.manifest().batch()).isEqualTo(BatchMode.FIXED);
        TensorSpec image = d.manifest().input(TensorRole.IMAGE).orElseThrow();
        assertThat(image.layout()).isEqualTo(Layout.NHWC);
        assertThat(image.range()).isEqualTo(new ValueRange(0, 255));
        assertThat(image.size().fixed()).containsExactly(512, 512);
    }

    @Test
    void aClassLabelCannotBeGuessed() {
        assertThatThrownBy(() -> inference.derive(new ModelSignature(
                        List.of(t("z", DType.FLOAT32, -1, 64), t("y", DType.INT64, -1)),
                        List.of(t("img", DType.FLOAT32, -1, 1, 28, 28)))))
                .isInstanceOf(ManifestException.class)
                .hasMessageContaining("names the classes");
    }
}
