package voicebroker.e2e;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.logging.Level;
import org.openqa.selenium.By;
import org.openqa.selenium.TimeoutException;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Debian's Chromium driven through Debian's chromedriver, both at their system paths: no browser download.
 * Network logging is on, so a test can fetch the body of every response the browser received.
 */
final class Browser implements AutoCloseable {
    private static final String CHROMIUM = "/usr/bin/chromium";
    private static final String CHROMEDRIVER = "/usr/bin/chromedriver";
    private final ChromeDriver driver;
    private final Path profile;

    Browser() throws Exception {
        profile = Files.createTempDirectory("voice-e2e-chromium");
        ChromeOptions options = new ChromeOptions().setBinary(CHROMIUM).addArguments(
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
                // WebRTC to the fake upstream on this machine: Chromium offers no loopback candidate without it,
                // and the page plays the call's audio without a user gesture.
                "--allow-loopback-in-peer-connection", "--autoplay-policy=no-user-gesture-required",
                "--user-data-dir=" + profile);
        LoggingPreferences logging = new LoggingPreferences();
        logging.enable(LogType.PERFORMANCE, Level.ALL);
        options.setCapability("goog:loggingPrefs", logging);
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(new File(CHROMEDRIVER))
                .usingAnyFreePort().build();
        driver = new ChromeDriver(service, options);
    }

    void open(String url) {
        driver.get(url);
        waitForText("status", "idle", Duration.ofSeconds(30));
    }

    void click(String id) {
        driver.findElement(By.id(id)).click();
    }

    String text(String id) {
        return driver.findElement(By.id(id)).getText();
    }

    /** Waits until #status is {@code expected}, "error" or "failed"; answers it, with the page's log when it is not. */
    String awaitOutcome(String expected, Duration timeout) {
        new WebDriverWait(driver, timeout).until(d -> {
            String status = text("status");
            return status.equals(expected) || status.equals("error") || status.equals("failed") ? status : null;
        });
        String status = text("status");
        return status.equals(expected) ? status : status + " [" + text("error-code") + ": " + text("error-message") + "]\n" + text("log");
    }

    void waitForText(String id, String expected, Duration timeout) {
        new WebDriverWait(driver, timeout).until(d -> expected.equals(text(id)));
    }

    /** Waits until the element's text passes the check; answers that text. */
    String waitFor(String id, Predicate<String> check, Duration timeout) {
        try {
            return new WebDriverWait(driver, timeout).until(d -> check.test(text(id)) ? text(id) : null);
        } catch (TimeoutException e) {
            throw new AssertionError("#" + id + " stayed " + text(id) + "; page log:\n" + text("log"), e);
        }
    }

    void select(String id, String value) {
        new Select(driver.findElement(By.id(id))).selectByVisibleText(value);
    }

    String pageSource() {
        return driver.getPageSource();
    }

    Object script(String js) {
        return driver.executeScript(js);
    }

    /** Runs a promise-returning expression in the page and answers what it resolved to. */
    Object awaitScript(String promise) {
        return driver.executeAsyncScript("const done = arguments[arguments.length - 1];"
                + "Promise.resolve(" + promise + ").then(done, (e) => done('rejected: ' + e));");
    }

    /** The body of every response the browser received so far (text; binary bodies base64-decoded). */
    List<String> receivedBodies() {
        List<String> bodies = new ArrayList<>();
        for (LogEntry entry : driver.manage().logs().get(LogType.PERFORMANCE)) {
            String message = entry.getMessage();
            if (!message.contains("\"Network.loadingFinished\"")) {
                continue;
            }
            String requestId = message.replaceAll(".*\"requestId\":\"([^\"]+)\".*", "$1");
            try {
                Map<String, Object> body = driver.executeCdpCommand("Network.getResponseBody", Map.of("requestId", requestId));
                String text = String.valueOf(body.get("body"));
                bodies.add(Boolean.TRUE.equals(body.get("base64Encoded"))
                        ? new String(java.util.Base64.getDecoder().decode(text), java.nio.charset.StandardCharsets.ISO_8859_1) : text);
            } catch (RuntimeException gone) {
                // preflights and evicted bodies have none
            }
        }
        return bodies;
    }

    @Override
    public void close() throws Exception {
        driver.quit();
        try (var files = Files.walk(profile)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
