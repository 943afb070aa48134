package io.github.errgroup;

/**
 * Adjusts the {@link GroupSpec} of every group a factory opens by name, before the caller's own
 * {@code GroupSpec} calls, which therefore win. This is how configured profiles (a limit or a timeout
 * per group name) are applied.
 *
 * @see ErrGroupFactory.Builder#customizer(GroupCustomizer)
 */
@FunctionalInterface
public interface GroupCustomizer {

	/**
	 * Customizes the specification of a group about to be opened.
	 * @param name the group name given to {@link ErrGroupFactory#newGroup(String)} or
	 * {@link ErrGroupFactory#group(String)}
	 * @param spec the specification to adjust; calls made here are overridden by the caller's
	 */
	void customize(String name, GroupSpec spec);

}
