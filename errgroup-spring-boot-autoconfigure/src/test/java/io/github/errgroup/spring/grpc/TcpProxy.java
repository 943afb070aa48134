package io.github.errgroup.spring.grpc;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A loopback TCP forwarder between a client and a server, whose {@link #cut()} closes every connection
 * at once: a client whose socket went away mid-call, with no HTTP/2 frame to say so (a crashed
 * process, a dropped network), which the client's own {@code cancel()} or {@code shutdownNow()} would
 * not be (both reset their streams first).
 */
final class TcpProxy implements AutoCloseable {

	private final ServerSocket listener;

	private final int target;

	private final List<Socket> sockets = new CopyOnWriteArrayList<>();

	TcpProxy(int target) throws IOException {
		this.target = target;
		this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
		daemon("proxy-accept", this::accept);
	}

	int port() {
		return this.listener.getLocalPort();
	}

	private void accept() {
		try {
			for (;;) {
				Socket client = this.listener.accept();
				Socket server = new Socket(InetAddress.getLoopbackAddress(), this.target);
				this.sockets.add(client);
				this.sockets.add(server);
				pump(client, server);
				pump(server, client);
			}
		}
		catch (IOException ex) {
			// closed
		}
	}

	private static void pump(Socket from, Socket to) {
		daemon("proxy-pump", () -> {
			try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
				in.transferTo(out);
			}
			catch (IOException ex) {
				// cut
			}
		});
	}

	private static void daemon(String name, Runnable body) {
		Thread thread = new Thread(body, name);
		thread.setDaemon(true);
		thread.start();
	}

	/** Closes every connection through the proxy, as a crash would: no frame, the socket gone. */
	void cut() throws IOException {
		for (Socket socket : this.sockets) {
			socket.close();
		}
	}

	@Override
	public void close() throws IOException {
		this.listener.close();
		cut();
	}

}
