package io.github.errgroup.sample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * The timeline page in a real headless Chromium (Debian's {@code chromium} and {@code chromium-driver}):
 * "One fails" draws failed and cancelled bars, each labelled by its task's name (S38); the screenshot it
 * leaves in {@code target/timeline.png} is the README's {@code docs/images/timeline.png}. Skips, saying why, when Chromium is not installed;
 * {@code .ci/run} installs it.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class TimelinePageBrowserTest {

	private static final Path CHROMIUM = Path.of(System.getProperty("chromium.binary", "/usr/bin/chromium"));

	private static final Path CHROMEDRIVER = Path.of(System.getProperty("chromedriver.binary", "/usr/bin/chromedriver"));

	@LocalServerPort
	int port;

	private ChromeDriver browser;

	@BeforeEach
	void startBrowser() {
		assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
				"Chromium is not installed (apt-get install chromium chromium-driver): browser test skipped");
		ChromeOptions options = new ChromeOptions();
		options.setBinary(CHROMIUM.toFile());
		options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
				"--disable-background-networking", "--disable-component-update", "--disable-sync",
				"--disable-dev-shm-usage", "--window-size=1280,900");
		ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
			.usingAnyFreePort()
			.build();
		this.browser = new ChromeDriver(service, options);
	}

	@AfterEach
	void stopBrowser() {
		if (this.browser != null) {
			this.browser.quit();
		}
	}

	@Test
	void S38_oneFails_drawsAFailedBarAndCancelledBars_labelledByTaskName() throws Exception {
		this.browser.get("http://127.0.0.1:" + this.port + "/");
		WebDriverWait wait = new WebDriverWait(this.browser, Duration.ofSeconds(20));
		wait.until(d -> "complete".equals(this.browser.executeScript("return document.readyState")));
		this.browser.findElement(By.id("one-fails")).click();
		wait.until(d -> "502".equals(d.findElement(By.id("last-answer")).getDomAttribute("data-status")));
		wait.until(d -> !d.findElements(By.cssSelector("section.group[data-group=product] .bar[data-outcome=failed]"))
			.isEmpty()
				&& !d.findElements(By.cssSelector("section.group[data-group=product] .bar[data-outcome=cancelled]"))
					.isEmpty());
		// The page redraws every second, so read the bars in one script call rather than element by element.
		@SuppressWarnings("unchecked")
		List<String> outcomes = (List<String>) this.browser.executeScript(
				"return Array.from(document.querySelectorAll('section.group[data-group=product] .bar'))"
						+ ".map(function (bar) { return bar.dataset.outcome; });");
		assertThat(outcomes).contains("failed", "cancelled");
		// S38: each bar of the newest product group (the page draws the newest first) is labelled by its
		// task's name, and the red one is pricing's.
		@SuppressWarnings("unchecked")
		List<String> labels = (List<String>) this.browser.executeScript(
				"return Array.from(document.querySelector('section.group[data-group=product]').querySelectorAll(':scope > .lanes .label'))"
						+ ".map(function (label) { return label.textContent; });");
		assertThat(labels).containsExactly("details", "pricing", "inventory", "reviews", "recommendations", "ratings");
		@SuppressWarnings("unchecked")
		List<String> failed = (List<String>) this.browser.executeScript(
				"return Array.from(document.querySelector('section.group[data-group=product]').querySelectorAll(':scope > .lanes .track'))"
						+ ".filter(function (track) { return track.querySelector('.bar[data-outcome=failed]'); })"
						+ ".map(function (track) { return track.querySelector('.label').textContent; });");
		assertThat(failed).containsExactly("pricing");
		assertThat(this.browser.findElements(By.cssSelector(".cancel-line"))).as("the cancel moment is marked")
			.isNotEmpty();
		File shot = this.browser.getScreenshotAs(OutputType.FILE);
		Path target = Path.of("target", "timeline.png");
		Files.createDirectories(target.getParent());
		Files.copy(shot.toPath(), target, StandardCopyOption.REPLACE_EXISTING);
	}

}
