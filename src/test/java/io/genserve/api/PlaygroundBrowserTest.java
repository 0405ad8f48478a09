package io.genserve.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.genserve.TestHttp;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The playground at / in a real browser: Debian's Chromium, headless, driven by its chromedriver
 * through Selenium, against the service on the default models in ./models. Every check reads what
 * the page shows and compares it with what the service answers to the same request made directly,
 * so the page cannot pass by showing something else. Screenshots go to target/playground/.
 * Outside CI, a machine without chromium and chromium-driver (.ci/setup.sh installs them) skips.
 */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "genserve.model-repository=models")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PlaygroundBrowserTest {
    static final Path CHROMIUM = Path.of(System.getenv().getOrDefault("CHROMIUM_BIN", "/usr/bin/chromium"));
    static final Path CHROMEDRIVER = Path.of(System.getenv().getOrDefault("CHROMEDRIVER_BIN", "/usr/bin/chromedriver"));
    static final Path SCREENSHOTS = Path.of("target/playground");
    static final Path PHOTO = TestHttp.FIXTURES.resolve("photo-301x203.png");
    static final Duration PATIENCE = Duration.ofSeconds(60);
    static final JsonMapper JSON = JsonMapper.builder().build();

    @LocalServerPort
    int port;

    ChromeDriver browser;
    Path profile;
    TestHttp http;

    @BeforeAll
    void startBrowser() throws IOException {
        boolean installed = Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
        if (!installed && System.getenv("CI") != null) {
            throw new AssertionError(CHROMIUM + " or " + CHROMEDRIVER + " is missing: CI must run .ci/setup.sh first");
        }
        if (!installed) {
            return;
        }
        Files.createDirectories(SCREENSHOTS);
        profile = Files.createTempDirectory("genserve-chromium");
        ChromeOptions options = new ChromeOptions();
        // Both paths explicit: Selenium Manager is never asked, so nothing is downloaded.
        options.setBinary(CHROMIUM.toFile());
        options.addArguments(
                "--headless",
                "--no-sandbox", // the tests run as root
                "--disable-gpu",
                "--disable-dev-shm-usage",
                // The network is closed: without these Chromium keeps opening connections that are
                // refused, many at a time.
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--user-data-dir=" + profile,
                "--window-size=1280,900",
                "--force-device-scale-factor=1",
                "--force-color-profile=srgb");
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort()
                .withLogFile(SCREENSHOTS.resolve("chromedriver.log").toFile())
                .build();
        browser = new ChromeDriver(service, options);
        browser.manage().timeouts().scriptTimeout(PATIENCE);
    }

    @AfterAll
    void stopBrowser() throws IOException {
        if (browser != null) {
            browser.quit();
        }
        if (profile != null) {
            try (var files = Files.walk(profile)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @BeforeEach
    void openThePlayground() {
        Assumptions.assumeTrue(
                browser != null, CHROMIUM + " is not installed (apt-get install chromium chromium-driver)");
        http = new TestHttp(port);
        browser.manage().window().setSize(new Dimension(1280, 900));
        browser.get("http://127.0.0.1:" + port + "/");
        waitFor("the models listed", () -> "true".equals(js("return document.body.dataset.ready || ''")));
    }

    @Test
    void generatesTheSeededImagesOfThePickedClass() {
        new Select(byId("generate-label")).selectByVisibleText("sneaker");
        type(byId("generate-seed"), "42");
        type(byId("generate-count"), "8");
        byId("generate-submit").click();
        waitFor(
                "8 images",
                () -> browser.findElements(By.cssSelector("#generate-grid img")).size() == 8
                        && (Boolean) js("return [...document.querySelectorAll('#generate-grid img')]"
                                + ".every(i => i.complete && i.naturalWidth > 0)"));

        List<WebElement> items = browser.findElements(By.cssSelector("#generate-grid li"));
        assertThat(items)
                .extracting(li -> li.findElement(By.cssSelector(".caption")).getText())
                .containsExactlyElementsOf(IntStream.range(42, 50)
                        .mapToObj(seed -> "seed " + seed + "\nsneaker")
                        .toList());
        // Image i of the grid is what the service answers for seed 42 + i alone, byte for byte.
        for (int i : new int[] {0, 5}) {
            WebElement link = items.get(i).findElement(By.tagName("a"));
            HttpResponse<byte[]> alone =
                    http.postJson("/generate", "{\"label\": \"sneaker\", \"seed\": " + (42 + i) + "}", "image/png");
            assertThat(alone.statusCode()).as(TestHttp.text(alone)).isEqualTo(200);
            assertThat(bytesOf(link.getAttribute("href"))).isEqualTo(alone.body());
            assertThat(link.getAttribute("download")).isEqualTo("fashion-gan-sneaker-seed" + (42 + i) + ".png");
            assertThat(naturalSize(link.findElement(By.tagName("img")))).containsExactly(28, 28);
        }
        screenshot("generate");
    }

    @Test
    void inpaintsTheHolePaintedWithTheMouse() throws IOException {
        selectTab("tab-inpaint");
        byId("inpaint-file").sendKeys(PHOTO.toAbsolutePath().toString());
        WebElement mask = byId("inpaint-mask");
        waitFor("the photo on the stage", () -> mask.isDisplayed() && "301".equals(mask.getDomAttribute("width")));

        // The brush from the keyboard: Home is the smallest, then 18 steps up.
        WebElement brush = byId("inpaint-brush");
        brush.sendKeys(Keys.HOME);
        for (int i = 0; i < 18; i++) {
            brush.sendKeys(Keys.ARROW_RIGHT);
        }
        assertThat(byId("inpaint-brush-value").getText()).isEqualTo("20 px");

        // The keyboard paints too: Space a dot, Shift+arrow a line; Clear empties the mask.
        mask.sendKeys(Keys.SPACE);
        int dot = holes();
        assertThat(dot).isPositive();
        mask.sendKeys(Keys.chord(Keys.SHIFT, Keys.ARROW_RIGHT));
        assertThat(holes()).isGreaterThan(dot);
        byId("inpaint-clear").click();
        assertThat(holes()).isZero();

        Stroke across = stroke(mask, 70, 95, 180, 105);
        int afterFirst = holes();
        assertThat(afterFirst).isPositive();
        stroke(mask, 240, 40, 240, 170);
        assertThat(holes()).isGreaterThan(afterFirst);
        byId("inpaint-undo").click();
        assertThat(holes()).isEqualTo(afterFirst);
        byId("inpaint-invert").click();
        assertThat(holes()).isEqualTo(301 * 203 - afterFirst);
        byId("inpaint-undo").click();
        assertThat(holes()).isEqualTo(afterFirst);
        screenshot("inpaint-mask");

        byId("inpaint-submit").click();
        WebElement result = waitForImage("inpaint-result");
        assertThat(naturalSize(result)).containsExactly(301, 203);

        // Only pixels under the stroke changed, and most of them did (the README: every pixel
        // outside the mask is bit-identical to the input).
        BufferedImage before = ImageIO.read(PHOTO.toFile());
        BufferedImage after = decode(bytesOf(result.getAttribute("src")));
        int changed = 0;
        for (int y = 0; y < 203; y++) {
            for (int x = 0; x < 301; x++) {
                if ((before.getRGB(x, y) & 0xffffff) != (after.getRGB(x, y) & 0xffffff)) {
                    changed++;
                    assertThat(across.distance(x, y))
                            .as("pixel %d,%d changed but lies outside the stroke", x, y)
                            .isLessThanOrEqualTo(across.radius() + 2);
                }
            }
        }
        assertThat(changed).isGreaterThan(afterFirst / 2);
        screenshot("inpaint");
    }

    @Test
    void stylesThePhotoWithThePickedStyleAndStrength() throws IOException {
        selectTab("tab-style");
        byId("style-file").sendKeys(PHOTO.toAbsolutePath().toString());
        waitFor("the photo's preview", () -> byId("style-preview").isDisplayed());
        new Select(byId("style-model")).selectByVisibleText("style-starry-night");
        WebElement strength = byId("style-strength");
        strength.sendKeys(Keys.HOME);
        for (int i = 0; i < 16; i++) {
            strength.sendKeys(Keys.ARROW_RIGHT);
        }
        assertThat(byId("style-strength-value").getText()).isEqualTo("0.80");
        byId("style-submit").click();
        WebElement result = waitForImage("style-result");
        assertThat(naturalSize(result)).containsExactly(301, 203);

        HttpResponse<byte[]> direct = http.postMultipart(
                "/style-transfer",
                TestHttp.parts("image", PHOTO, "style", "style-starry-night", "strength", "0.8"),
                "image/png");
        assertThat(direct.statusCode()).as(TestHttp.text(direct)).isEqualTo(200);
        assertSamePixels(decode(bytesOf(result.getAttribute("src"))), decode(direct.body()));
        screenshot("style");
    }

    @Test
    void upscalesThePhotoToTwiceItsSize() throws IOException {
        selectTab("tab-upscale");
        byId("upscale-file").sendKeys(PHOTO.toAbsolutePath().toString());
        waitFor("the photo's preview", () -> byId("upscale-preview").isDisplayed());
        new Select(byId("upscale-model")).selectByValue("photo-upscale");
        byId("upscale-submit").click();
        WebElement result = waitForImage("upscale-result");
        assertThat(naturalSize(result)).containsExactly(602, 406);

        HttpResponse<byte[]> direct =
                http.postMultipart("/upscale", TestHttp.parts("image", PHOTO, "model", "photo-upscale"), "image/png");
        assertThat(direct.statusCode()).as(TestHttp.text(direct)).isEqualTo(200);
        assertSamePixels(decode(bytesOf(result.getAttribute("src"))), decode(direct.body()));
        screenshot("upscale");
    }

    @Test
    void showsTheDetailOfTheServicesProblem(@org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
        // Wider than genserve.imaging.max-side (8192): the service refuses it with a 413 naming the limit.
        Path wide = dir.resolve("panorama.png");
        ImageIO.write(new BufferedImage(8200, 8, BufferedImage.TYPE_INT_RGB), "png", wide.toFile());
        HttpResponse<byte[]> direct =
                http.postMultipart("/style-transfer", TestHttp.parts("image", wide, "style", "style-night-cafe"), null);
        assertThat(direct.statusCode()).isEqualTo(413);
        String detail = JSON.readTree(direct.body()).path("detail").asString();
        assertThat(detail).contains("8200x8");

        selectTab("tab-style");
        byId("style-file").sendKeys(wide.toAbsolutePath().toString());
        waitFor("the panorama's preview", () -> byId("style-preview").isDisplayed());
        byId("style-submit").click();
        WebElement error = browser.findElement(By.cssSelector("#panel-style .error"));
        waitFor("the error", error::isDisplayed);
        assertThat(error.findElement(By.cssSelector(".detail")).getText()).isEqualTo(detail);
        assertThat(error.getText()).startsWith("Too large (413)");
        screenshot("error");
    }

    @Test
    void tabsWorkFromTheKeyboardEveryControlHasALabelAndUpscaleWaitsForAModel() {
        WebElement generate = byId("tab-generate");
        generate.click();
        generate.sendKeys(Keys.ARROW_RIGHT);
        assertThat(byId("tab-inpaint").getDomAttribute("aria-selected")).isEqualTo("true");
        assertThat(byId("panel-inpaint").isDisplayed()).isTrue();
        assertThat(browser.switchTo().activeElement().getDomAttribute("id")).isEqualTo("tab-inpaint");
        byId("tab-inpaint").sendKeys(Keys.ARROW_RIGHT);
        assertThat(byId("tab-style").getDomAttribute("aria-selected")).isEqualTo("true");
        // ./models has an upscaler (photo-upscale): its tab shows, and the arrows reach it and wrap around.
        JsonNode models = JSON.readTree(http.get("/models").body());
        assertThat(models.path("models").valueStream().map(m -> m.path("task").asString()))
                .contains("upscale");
        assertThat(byId("tab-upscale").isDisplayed()).isTrue();
        byId("tab-style").sendKeys(Keys.ARROW_RIGHT);
        assertThat(byId("tab-upscale").getDomAttribute("aria-selected")).isEqualTo("true");
        byId("tab-upscale").sendKeys(Keys.ARROW_RIGHT);
        assertThat(byId("tab-generate").getDomAttribute("aria-selected")).isEqualTo("true");

        Object unlabelled = js("return [...document.querySelectorAll('input, select, textarea, button')]"
                + ".filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label')"
                + " && !e.getAttribute('aria-labelledby') && !e.textContent.trim())"
                + ".map(e => e.id || e.outerHTML)");
        assertThat((List<?>) unlabelled).as("controls without a label").isEmpty();
    }

    @Test
    void fitsAPhoneSizedWindow() {
        browser.manage().window().setSize(new Dimension(390, 844));
        new Select(byId("generate-label")).selectByVisibleText("ankle boot");
        type(byId("generate-count"), "6");
        byId("generate-submit").click();
        waitFor(
                "6 images",
                () -> browser.findElements(By.cssSelector("#generate-grid img")).size() == 6);
        for (String tab : List.of("tab-generate", "tab-inpaint", "tab-style")) {
            selectTab(tab);
            assertThat(((Number) js("return document.documentElement.scrollWidth")).intValue())
                    .as("%s: nothing wider than the window", tab)
                    .isLessThanOrEqualTo(((Number) js("return window.innerWidth")).intValue());
        }
        selectTab("tab-generate");
        WebElement submit = byId("generate-submit");
        assertThat(submit.getRect().getX() + submit.getRect().getWidth()).isLessThanOrEqualTo(390);
        screenshot("phone");
    }

    // ------------------------------------------------------------------ helpers

    /** A straight mouse stroke on the mask, given in photo pixels; returns it as the page received it. */
    private Stroke stroke(WebElement mask, double x0, double y0, double x1, double y1) {
        double cssPerPixel = mask.getRect().getWidth() / 301.0;
        int brushCss = Integer.parseInt(byId("inpaint-brush").getDomProperty("value"));
        // Offsets are from the element's centre, in whole CSS pixels.
        int ax = (int) Math.round((x0 - 150.5) * cssPerPixel);
        int ay = (int) Math.round((y0 - 101.5) * cssPerPixel);
        int bx = (int) Math.round((x1 - 150.5) * cssPerPixel);
        int by = (int) Math.round((y1 - 101.5) * cssPerPixel);
        Actions actions = new Actions(browser).moveToElement(mask, ax, ay).clickAndHold();
        int steps = 8;
        int px = ax;
        int py = ay;
        for (int i = 1; i <= steps; i++) {
            int nx = ax + (bx - ax) * i / steps;
            int ny = ay + (by - ay) * i / steps;
            actions = actions.moveByOffset(nx - px, ny - py);
            px = nx;
            py = ny;
        }
        actions.release().perform();
        return new Stroke(
                150.5 + ax / cssPerPixel,
                101.5 + ay / cssPerPixel,
                150.5 + bx / cssPerPixel,
                101.5 + by / cssPerPixel,
                brushCss / cssPerPixel / 2);
    }

    /** A painted segment in photo pixels, with the brush's radius. */
    record Stroke(double x0, double y0, double x1, double y1, double radius) {
        double distance(double x, double y) {
            // pixel centres
            double cx = x + 0.5;
            double cy = y + 0.5;
            double dx = x1 - x0;
            double dy = y1 - y0;
            double t = Math.max(0, Math.min(1, ((cx - x0) * dx + (cy - y0) * dy) / (dx * dx + dy * dy)));
            return Math.hypot(cx - (x0 + t * dx), cy - (y0 + t * dy));
        }
    }

    private int holes() {
        return Integer.parseInt(byId("inpaint-mask").getDomAttribute("data-holes"));
    }

    private void selectTab(String id) {
        byId(id).click();
        waitFor(id, () -> "true".equals(byId(id).getDomAttribute("aria-selected")));
    }

    private WebElement waitForImage(String id) {
        waitFor(
                id,
                () -> !browser.findElements(By.id(id)).isEmpty()
                        && (Boolean) js(
                                "const i = document.getElementById(arguments[0]);"
                                        + " return i.complete && i.naturalWidth > 0",
                                id));
        return byId(id);
    }

    private List<Integer> naturalSize(WebElement img) {
        return List.of(
                ((Number) js("return arguments[0].naturalWidth", img)).intValue(),
                ((Number) js("return arguments[0].naturalHeight", img)).intValue());
    }

    /** The bytes behind a blob: URL of the page, read by the page itself. */
    private byte[] bytesOf(String url) {
        Object base64 = ((JavascriptExecutor) browser)
                .executeAsyncScript(
                        "const done = arguments[arguments.length - 1];"
                                + "fetch(arguments[0]).then(r => r.arrayBuffer()).then(b => {"
                                + "  const a = new Uint8Array(b); let s = '';"
                                + "  for (let i = 0; i < a.length; i++) s += String.fromCharCode(a[i]);"
                                + "  done(btoa(s)); }).catch(e => done('ERROR ' + e));",
                        url);
        assertThat((String) base64).doesNotStartWith("ERROR");
        return Base64.getDecoder().decode((String) base64);
    }

    private static BufferedImage decode(byte[] png) {
        try {
            return ImageIO.read(new ByteArrayInputStream(png));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void assertSamePixels(BufferedImage actual, BufferedImage expected) {
        assertThat(List.of(actual.getWidth(), actual.getHeight()))
                .isEqualTo(List.of(expected.getWidth(), expected.getHeight()));
        assertThat(rgb(actual)).isEqualTo(rgb(expected));
    }

    private static int[] rgb(BufferedImage image) {
        int[] pixels = image.getRGB(0, 0, image.getWidth(), image.getHeight(), null, 0, image.getWidth());
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] &= 0xffffff;
        }
        return pixels;
    }

    private void type(WebElement input, String text) {
        input.clear();
        input.sendKeys(text);
    }

    private WebElement byId(String id) {
        return browser.findElement(By.id(id));
    }

    private Object js(String script, Object... args) {
        return ((JavascriptExecutor) browser).executeScript(script, args);
    }

    private void waitFor(String what, java.util.function.BooleanSupplier condition) {
        new WebDriverWait(browser, PATIENCE)
                .withMessage(() -> what + "; the page says: " + pageErrors())
                .until(driver -> condition.getAsBoolean());
    }

    private String pageErrors() {
        try {
            return String.valueOf(js("return [...document.querySelectorAll('.error:not([hidden]), #status')]"
                    + ".map(e => e.textContent).join(' | ')"));
        } catch (RuntimeException e) {
            return "(unreadable: " + e.getMessage() + ")";
        }
    }

    private void screenshot(String name) {
        try {
            Files.write(SCREENSHOTS.resolve(name + ".png"), browser.getScreenshotAs(OutputType.BYTES));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
