package io.github.errgroup.spring.jdbc;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Assumptions;

/**
 * A real PostgreSQL server for the tests that prove effects on the database side (S30, S31): a cluster
 * made with {@code initdb} in a temporary folder, on a free loopback port, started once per test JVM and
 * stopped and deleted when the JVM exits. Nothing is installed here: {@code .ci/run} installs Debian's
 * {@code postgresql} package when it is missing. Without the binaries, the tests that need the server
 * are skipped (aborted) with a message that says how to get them, as the browser test does without
 * Chromium.
 *
 * <p>The binaries are found in {@code $ERRGROUP_PG_BIN}, else the newest
 * {@code /usr/lib/postgresql/<version>/bin}, else on the {@code PATH}. PostgreSQL refuses to run as
 * root, so as root the server runs as the {@code postgres} user (through {@code runuser}). The cluster
 * trusts loopback connections; its superuser is {@code postgres}; {@code fsync} is off.
 */
public final class ThrowawayPostgres {

	private static ThrowawayPostgres instance;

	private final Path bin;

	private final Path folder;

	private final int port;

	private final boolean asPostgresUser;

	private ThrowawayPostgres(Path bin, Path folder, int port, boolean asPostgresUser) {
		this.bin = bin;
		this.folder = folder;
		this.port = port;
		this.asPostgresUser = asPostgresUser;
	}

	/**
	 * Returns the server of this JVM, starting it on first use; aborts the calling test when the
	 * PostgreSQL binaries are not on this machine.
	 * @return the running server
	 */
	public static synchronized ThrowawayPostgres get() {
		if (instance == null) {
			Path bin = findBin();
			Assumptions.assumeTrue(bin != null, "PostgreSQL is not installed: no initdb in $ERRGROUP_PG_BIN, "
					+ "/usr/lib/postgresql/*/bin or the PATH (Debian: apt-get install postgresql; .ci/run does this)");
			instance = start(bin);
		}
		return instance;
	}

	/**
	 * Returns the JDBC URL of the {@code postgres} database.
	 * @return the URL
	 */
	public String jdbcUrl() {
		return "jdbc:postgresql://127.0.0.1:" + this.port + "/postgres";
	}

	/**
	 * Returns the user to connect as (the cluster's superuser, trusted on loopback).
	 * @return {@code postgres}
	 */
	public String username() {
		return "postgres";
	}

	/**
	 * Returns the port the server listens on.
	 * @return the port
	 */
	public int port() {
		return this.port;
	}

	private static Path findBin() {
		String fromEnv = System.getenv("ERRGROUP_PG_BIN");
		if (fromEnv != null && !fromEnv.isBlank()) {
			return Files.isExecutable(Path.of(fromEnv, "initdb")) ? Path.of(fromEnv) : null;
		}
		Path debian = Path.of("/usr/lib/postgresql");
		if (Files.isDirectory(debian)) {
			try (Stream<Path> versions = Files.list(debian)) {
				Path newest = versions.filter((v) -> Files.isExecutable(v.resolve("bin/initdb")))
					.max(Comparator.comparingInt(ThrowawayPostgres::majorVersion))
					.orElse(null);
				if (newest != null) {
					return newest.resolve("bin");
				}
			}
			catch (IOException ex) {
				// fall through to the PATH
			}
		}
		for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
			if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "initdb"))) {
				return Path.of(dir);
			}
		}
		return null;
	}

	private static int majorVersion(Path versionFolder) {
		try {
			return Integer.parseInt(versionFolder.getFileName().toString());
		}
		catch (NumberFormatException ex) {
			return -1;
		}
	}

	private static ThrowawayPostgres start(Path bin) {
		boolean root = "root".equals(System.getProperty("user.name"));
		try {
			Path folder = Files.createTempDirectory("errgroup-pg-",
					PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
			if (root) {
				run(List.of("chown", "postgres:", folder.toString()), false, folder);
			}
			run(List.of(bin.resolve("initdb").toString(), "-D", folder.resolve("data").toString(), "-A", "trust",
					"-U", "postgres", "-E", "UTF8", "--no-sync"), root, folder);
			IOException last = null;
			for (int attempt = 0; attempt < 5; attempt++) {
				int port = freePort();
				ThrowawayPostgres server = new ThrowawayPostgres(bin, folder, port, root);
				try {
					run(List.of(bin.resolve("pg_ctl").toString(), "-D", folder.resolve("data").toString(), "-l",
							folder.resolve("server.log").toString(), "-w", "-t", "60", "-o",
							"-p " + port + " -k " + folder + " -c listen_addresses=127.0.0.1 -c fsync=off"
									+ " -c synchronous_commit=off -c full_page_writes=off -c max_connections=100",
							"start"), root, folder);
					Runtime.getRuntime().addShutdownHook(new Thread(server::stopAndDelete, "errgroup-pg-stop"));
					return server;
				}
				catch (IOException ex) {
					last = ex; // the port was taken in between: try another
				}
			}
			throw last;
		}
		catch (IOException ex) {
			throw new IllegalStateException("could not start a throwaway PostgreSQL from " + bin + ": " + ex.getMessage(),
					ex);
		}
	}

	private void stopAndDelete() {
		try {
			run(List.of(this.bin.resolve("pg_ctl").toString(), "-D", this.folder.resolve("data").toString(), "-m",
					"immediate", "-w", "stop"), this.asPostgresUser, this.folder);
		}
		catch (IOException ex) {
			// already stopped
		}
		try (Stream<Path> files = Files.walk(this.folder)) {
			files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
		}
		catch (IOException ex) {
			// a temp folder left behind is no failure
		}
	}

	private static int freePort() throws IOException {
		try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
			return socket.getLocalPort();
		}
	}

	private static void run(List<String> command, boolean asPostgresUser, Path folder) throws IOException {
		List<String> full = new ArrayList<>();
		if (asPostgresUser) {
			full.addAll(List.of("runuser", "-u", "postgres", "--"));
		}
		full.addAll(command);
		Path output = Files.createTempFile("errgroup-pg-cmd-", ".log");
		try {
			Process process = new ProcessBuilder(full).directory(folder.toFile())
				.redirectErrorStream(true)
				.redirectOutput(output.toFile())
				.start();
			if (!process.waitFor(90, TimeUnit.SECONDS)) {
				process.destroyForcibly();
				throw new IOException(String.join(" ", full) + " did not finish in 90 s");
			}
			if (process.exitValue() != 0) {
				throw new IOException(String.join(" ", full) + " exited " + process.exitValue() + ": "
						+ Files.readString(output).strip());
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IOException("interrupted while running " + full.get(0), ex);
		}
		finally {
			Files.deleteIfExists(output);
		}
	}

}
