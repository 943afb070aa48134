package io.github.errgroup.spring.autoconfigure;

import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

import io.github.errgroup.GroupCustomizer;
import io.github.errgroup.GroupSpec;
import io.github.errgroup.spring.autoconfigure.ErrGroupProperties.Profile;
import org.jspecify.annotations.Nullable;

/**
 * Applies the configured group profiles (S20): for a group name, each setting of
 * {@code errgroup.groups.<name>} if set, else of {@code errgroup.defaults}. Applied before the
 * caller's own {@link GroupSpec} calls, which therefore win.
 *
 * <p>A name matches its key exactly or, failing that, ignoring case: an environment variable such as
 * {@code ERRGROUP_GROUPS_USERPROFILE_LIMIT} binds the key {@code userprofile}, and the group is
 * still {@code userProfile} in the code.
 */
final class GroupProfileCustomizer implements GroupCustomizer {

	private final Profile defaults;

	private final Map<String, Profile> groups;

	private final Map<String, Profile> groupsIgnoringCase = new HashMap<>();

	GroupProfileCustomizer(ErrGroupProperties properties) {
		this.defaults = properties.getDefaults();
		this.groups = Map.copyOf(properties.getGroups());
		this.groups.forEach((name, profile) -> this.groupsIgnoringCase.putIfAbsent(lowerCase(name), profile));
	}

	@Override
	public void customize(String name, GroupSpec spec) {
		Profile profile = this.groups.get(name);
		if (profile == null) {
			profile = this.groupsIgnoringCase.get(lowerCase(name));
		}
		Integer limit = pick((profile != null) ? profile.getLimit() : null, this.defaults.getLimit());
		Duration timeout = pick((profile != null) ? profile.getTimeout() : null, this.defaults.getTimeout());
		if (limit != null) {
			spec.limit(limit);
		}
		if (timeout != null) {
			spec.timeout(timeout);
		}
	}

	private static String lowerCase(String name) {
		return name.toLowerCase(Locale.ROOT);
	}

	private static <T> @Nullable T pick(@Nullable T own, @Nullable T fallback) {
		return (own != null) ? own : fallback;
	}

}
