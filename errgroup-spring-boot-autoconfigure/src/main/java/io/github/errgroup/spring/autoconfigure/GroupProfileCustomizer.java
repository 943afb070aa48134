package io.github.errgroup.spring.autoconfigure;

import java.time.Duration;
import java.util.Map;

import io.github.errgroup.GroupCustomizer;
import io.github.errgroup.GroupSpec;
import io.github.errgroup.spring.autoconfigure.ErrGroupProperties.Profile;
import org.jspecify.annotations.Nullable;

/**
 * Applies the configured group profiles (S20): for a group name, each setting of
 * {@code errgroup.groups.<name>} if set, else of {@code errgroup.defaults}. Applied before the
 * caller's own {@link GroupSpec} calls, which therefore win.
 */
final class GroupProfileCustomizer implements GroupCustomizer {

	private final Profile defaults;

	private final Map<String, Profile> groups;

	GroupProfileCustomizer(ErrGroupProperties properties) {
		this.defaults = properties.getDefaults();
		this.groups = Map.copyOf(properties.getGroups());
	}

	@Override
	public void customize(String name, GroupSpec spec) {
		Profile profile = this.groups.get(name);
		Integer limit = pick((profile != null) ? profile.getLimit() : null, this.defaults.getLimit());
		Duration timeout = pick((profile != null) ? profile.getTimeout() : null, this.defaults.getTimeout());
		if (limit != null) {
			spec.limit(limit);
		}
		if (timeout != null) {
			spec.timeout(timeout);
		}
	}

	private static <T> @Nullable T pick(@Nullable T own, @Nullable T fallback) {
		return (own != null) ? own : fallback;
	}

}
