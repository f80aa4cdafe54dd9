package io.replsentinel.ops;

import io.replsentinel.lab.LabInstall;
import io.replsentinel.lab.LabTools;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Debian's Chromium, headless, driven through Debian's chromedriver (named explicitly, so Selenium
 * Manager never downloads a browser or driver), with a profile of its own that is deleted on close.
 */
public final class Browser implements AutoCloseable {

    static final Path SCREENSHOTS = Path.of("target", "screenshots");

    private final Path profile;
    private final ChromeDriver driver;

    public Browser() {
        Path chromium = LabTools.chromium();
        Path chromedriver = LabTools.chromedriver();
        System.setProperty("webdriver.chrome.driver", chromedriver.toString());
        try {
            Files.createDirectories(LabInstall.get().labDir());
            this.profile = Files.createTempDirectory(LabInstall.get().labDir(), "chromium-");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        ChromeOptions options = new ChromeOptions();
        options.setBinary(chromium.toFile());
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-dev-shm-usage",
                "--window-size=1400,1000", "--user-data-dir=" + profile);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(chromedriver.toFile()).usingAnyFreePort().build();
        this.driver = new ChromeDriver(service, options);
        driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30));
    }

    public ChromeDriver driver() {
        return driver;
    }

    /** Saves the page as {@code target/screenshots/<name>.png}, the whole page's height. */
    Path screenshot(String name) {
        try {
            Object height = driver.executeScript("return document.documentElement.scrollHeight");
            int h = Math.min(3000, Math.max(800, ((Number) height).intValue()));
            driver.manage().window().setSize(new Dimension(1400, h));
            Files.createDirectories(SCREENSHOTS);
            Path file = SCREENSHOTS.resolve(name + ".png");
            Files.write(file, ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES));
            return file;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        try {
            driver.quit();
        } finally {
            try (var paths = Files.walk(profile)) {
                paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException ignored) {
                // a profile left behind lives under target/lab, which the next clean removes
            }
        }
    }
}
