/**
 * The Spring layer of errgroup: what applications import or implement, usable with or without Spring
 * Boot's auto-configuration. Each feature has a package of its own ({@code web.servlet},
 * {@code web.reactive}, {@code web.client}, {@code observation}, {@code metrics}, {@code actuate},
 * {@code reactor}); the auto-configuration (the {@code autoconfigure} packages) only wires
 * them, and nothing here depends on it.
 */
@NullMarked
package io.github.errgroup.spring;

import org.jspecify.annotations.NullMarked;
