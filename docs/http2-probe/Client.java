package probe;

// Scratch probe for docs/web-cancellation.md ("HTTP/2 on Tomcat and Jetty"); not part of the build.

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;

/**
 * Scratch HTTP/2 clients: a hand-written h2c prior-knowledge client that sends RST_STREAM(CANCEL) (or
 * closes the socket), and the JDK HttpClient (h2c upgrade) cancelling its future.
 */
public class Client {

	static final HttpClient H1 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

	public static void main(String[] args) throws Exception {
		int port = Integer.parseInt(args[0]);
		String mode = args[1]; // raw-reset | raw-close | jdk-cancel
		String path = args[2]; // sync | async | stream
		String id = mode + "-" + path + "-" + System.nanoTime();
		long after = 500;
		switch (mode) {
			case "raw-reset" -> raw(port, "/" + path + "?id=" + id, after, false);
			case "raw-close" -> raw(port, "/" + path + "?id=" + id, after, true);
			case "jdk-cancel" -> jdk(port, "/" + path + "?id=" + id, after);
			default -> throw new IllegalArgumentException(mode);
		}
		Thread.sleep(6000);
		System.out.println("server events for " + id + ":");
		String events = H1.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/events?id=" + id)).build(),
				HttpResponse.BodyHandlers.ofString()).body();
		for (String e : events.replace("[\"", "").replace("\"]", "").split("\",\"")) {
			System.out.println("  " + e);
		}
	}

	static void jdk(int port, String path, long after) throws Exception {
		HttpClient h2 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build();
		HttpResponse<String> ping = h2.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/ping")).build(),
				HttpResponse.BodyHandlers.ofString());
		System.out.println("warm-up answered over " + ping.version());
		CompletableFuture<HttpResponse<String>> call = h2.sendAsync(
				HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
				HttpResponse.BodyHandlers.ofString());
		Thread.sleep(after);
		System.out.println("cancel(true) at " + after + " ms: " + call.cancel(true));
	}

	static void raw(int port, String path, long after, boolean close) throws Exception {
		Socket socket = new Socket(InetAddress.getLoopbackAddress(), port);
		OutputStream out = socket.getOutputStream();
		long start = System.nanoTime();
		out.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
		frame(out, 4, 0, 0, new byte[0]); // SETTINGS
		ByteArrayOutputStream block = new ByteArrayOutputStream();
		block.write(0x82); // :method GET (static table 2)
		block.write(0x86); // :scheme http (static table 6)
		block.write(0x04); // :path, literal value without indexing, name from static table 4
		block.write(path.length());
		block.write(path.getBytes(StandardCharsets.US_ASCII));
		String authority = "127.0.0.1:" + port;
		block.write(0x01); // :authority, name from static table 1
		block.write(authority.length());
		block.write(authority.getBytes(StandardCharsets.US_ASCII));
		frame(out, 1, 0x5, 1, block.toByteArray()); // HEADERS, END_STREAM | END_HEADERS, stream 1
		Thread reader = new Thread(() -> {
			try {
				DataInputStream in = new DataInputStream(socket.getInputStream());
				while (true) {
					int length = (in.readUnsignedByte() << 16) | in.readUnsignedShort();
					int type = in.readUnsignedByte();
					int flags = in.readUnsignedByte();
					int stream = in.readInt() & 0x7fffffff;
					byte[] payload = in.readNBytes(length);
					String extra = (type == 3 || type == 7) ? " error=" + payload[payload.length - 1] : "";
					System.out.println(((System.nanoTime() - start) / 1_000_000) + "ms client got frame type=" + type
							+ " flags=" + flags + " stream=" + stream + " length=" + length + extra);
					if (type == 4 && (flags & 1) == 0) {
						synchronized (out) {
							frame(out, 4, 1, 0, new byte[0]); // SETTINGS ACK
						}
					}
				}
			}
			catch (IOException ex) {
				System.out.println(((System.nanoTime() - start) / 1_000_000) + "ms client reader ended: " + ex);
			}
		});
		reader.setDaemon(true);
		reader.start();
		Thread.sleep(after);
		if (close) {
			socket.close();
			System.out.println(after + "ms client closed the socket");
		}
		else {
			synchronized (out) {
				frame(out, 3, 0, 1, new byte[] { 0, 0, 0, 8 }); // RST_STREAM(CANCEL) on stream 1
			}
			System.out.println(after + "ms client sent RST_STREAM(CANCEL) on stream 1; connection kept open");
			Thread.sleep(5000);
			socket.close();
		}
	}

	static void frame(OutputStream out, int type, int flags, int stream, byte[] payload) throws IOException {
		out.write(new byte[] { (byte) (payload.length >> 16), (byte) (payload.length >> 8), (byte) payload.length,
				(byte) type, (byte) flags, (byte) (stream >> 24), (byte) (stream >> 16), (byte) (stream >> 8), (byte) stream });
		out.write(payload);
		out.flush();
	}

}
