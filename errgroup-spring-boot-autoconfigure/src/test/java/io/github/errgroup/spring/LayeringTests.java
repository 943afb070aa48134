package io.github.errgroup.spring;

import java.io.IOException;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.context.properties.ConfigurationProperties;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The module's two layers, as the README's module table states them: the runtime packages
 * ({@code io.github.errgroup.spring.<feature>}) never depend on the auto-configuration, and the
 * auto-configuration packages hold no public type an application would import, only
 * {@code @AutoConfiguration} classes and the {@code @ConfigurationProperties} class with its nested
 * settings.
 */
class LayeringTests {

	private static final Path SOURCES = Path.of("src/main/java");

	private static final String AUTOCONFIGURE = "io.github.errgroup.spring.autoconfigure";

	private static final Pattern PACKAGE = Pattern.compile("^package ([\\w.]+);", Pattern.MULTILINE);

	@Test
	void runtimePackagesDoNotDependOnTheAutoConfiguration() throws IOException {
		List<String> offenders = new ArrayList<>();
		for (Path source : sources()) {
			String text = Files.readString(source);
			String pkg = packageOf(text);
			if (!pkg.startsWith(AUTOCONFIGURE) && text.contains(AUTOCONFIGURE)) {
				offenders.add(SOURCES.relativize(source).toString());
			}
		}
		assertThat(offenders).as("runtime sources that name %s", AUTOCONFIGURE).isEmpty();
	}

	@Test
	void autoConfigurationPackagesExposeOnlyAutoConfigurationsAndProperties() throws Exception {
		List<String> offenders = new ArrayList<>();
		for (Path source : sources()) {
			String text = Files.readString(source);
			String pkg = packageOf(text);
			String file = source.getFileName().toString();
			if (!pkg.startsWith(AUTOCONFIGURE) || file.equals("package-info.java")) {
				continue;
			}
			Class<?> type = Class.forName(pkg + "." + file.substring(0, file.length() - ".java".length()));
			for (Class<?> nested : withNested(type)) {
				if (Modifier.isPublic(nested.getModifiers()) && !isAllowedPublic(nested)) {
					offenders.add(nested.getName());
				}
			}
		}
		assertThat(offenders).as("public types in %s that are neither auto-configurations nor properties",
				AUTOCONFIGURE)
			.isEmpty();
	}

	private static boolean isAllowedPublic(Class<?> type) {
		for (Class<?> c = type; c != null; c = c.getEnclosingClass()) {
			if (c.isAnnotationPresent(AutoConfiguration.class) || c.isAnnotationPresent(ConfigurationProperties.class)) {
				return c == type || c.isAnnotationPresent(ConfigurationProperties.class);
			}
		}
		return false;
	}

	private static List<Class<?>> withNested(Class<?> type) {
		List<Class<?>> all = new ArrayList<>();
		all.add(type);
		for (Class<?> nested : type.getDeclaredClasses()) {
			all.addAll(withNested(nested));
		}
		return all;
	}

	private static String packageOf(String source) {
		Matcher m = PACKAGE.matcher(source);
		assertThat(m.find()).as("a package declaration").isTrue();
		return m.group(1);
	}

	private static List<Path> sources() throws IOException {
		try (Stream<Path> files = Files.walk(SOURCES)) {
			List<Path> all = files.filter((p) -> p.toString().endsWith(".java")).toList();
			assertThat(all).as("sources under %s", SOURCES.toAbsolutePath()).isNotEmpty();
			return all;
		}
	}

}
